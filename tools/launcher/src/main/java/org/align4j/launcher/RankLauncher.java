package org.align4j.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.align4j.core.engine.dist.DataParallel;

/**
 * Starts the local ranks of a run as child JVMs, torchrun style: each gets {@code RANK}, {@code LOCAL_RANK},
 * {@code WORLD_SIZE}, {@code LOCAL_WORLD_SIZE}, {@code GROUP_RANK}, {@code MASTER_ADDR}, {@code MASTER_PORT} and
 * {@code ALIGN4J_THREADS}; their output is streamed with a {@code [rank R]} prefix. When one rank exits with an error
 * (or is killed) the others are stopped and the job fails with a message naming that rank; a rank that does not join
 * fails its peers within the join timeout. The natives are unpacked once in this JVM before any rank starts.
 */
final class RankLauncher {
  /** The child's command line after {@code java}: the run command with the launcher's own options removed. */
  private final List<String> runArgs;
  private final LaunchOptions t;
  private final PrintWriter out;
  private final PrintWriter err;

  RankLauncher(List<String> runArgs, LaunchOptions t, PrintWriter out, PrintWriter err) {
    this.runArgs = List.copyOf(runArgs);
    this.t = t;
    this.out = out;
    this.err = err;
  }

  private record Exit(int rank, long pid, int code) {}

  /** Runs the local ranks to the end; the exit code of the job. */
  int run() throws IOException, InterruptedException {
    DataParallel.warmNatives(); // two JVMs unpacking an empty JavaCPP cache at once can crash one of them
    int port = t.masterPort != 0 ? t.masterPort : freePort();
    int threads = t.threadsPerRank > 0 ? t.threadsPerRank
        : Math.max(1, Runtime.getRuntime().availableProcessors() / t.nprocPerNode);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var cmd = new ArrayList<String>();
    cmd.add(java);
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(runArgs);
    var exits = new LinkedBlockingQueue<Exit>();
    var procs = new ArrayList<Process>();
    var pumps = new ArrayList<Thread>();
    Thread stopper = new Thread(() -> procs.forEach(Process::destroy));
    Runtime.getRuntime().addShutdownHook(stopper); // Ctrl-C on the launcher stops the ranks
    try {
      for (int local = 0; local < t.nprocPerNode; local++) {
        int rank = t.nodeRank * t.nprocPerNode + local;
        var pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("RANK", String.valueOf(rank));
        env.put("LOCAL_RANK", String.valueOf(local));
        env.put("WORLD_SIZE", String.valueOf(t.world()));
        env.put("LOCAL_WORLD_SIZE", String.valueOf(t.nprocPerNode));
        env.put("GROUP_RANK", String.valueOf(t.nodeRank));
        env.put("MASTER_ADDR", t.masterAddr);
        env.put("MASTER_PORT", String.valueOf(port));
        env.put("ALIGN4J_JOIN_TIMEOUT", String.valueOf(t.joinTimeoutS));
        env.put("ALIGN4J_THREADS", String.valueOf(threads));
        env.putIfAbsent("OMP_NUM_THREADS", String.valueOf(threads));
        Process p = pb.start();
        procs.add(p);
        out.printf("align4j run: rank %d of %d started (local rank %d on node %d, pid %d, %d thread%s, master %s:%d)%n",
            rank, t.world(), local, t.nodeRank, p.pid(), threads, threads == 1 ? "" : "s", t.masterAddr, port);
        out.flush();
        pumps.add(pump(p.getInputStream(), "[rank " + rank + "] ", out));
        pumps.add(pump(p.getErrorStream(), "[rank " + rank + "] ", err));
        p.onExit().thenAccept(q -> exits.add(new Exit(rank, q.pid(), q.exitValue())));
      }
      Exit failed = null;
      for (int done = 0; done < procs.size(); done++) {
        Exit e = exits.take();
        if (e.code() != 0) {
          failed = e;
          break;
        }
      }
      if (failed != null) {
        stopAll(procs);
      }
      for (Thread p : pumps) {
        p.join(5_000);
      }
      if (failed != null) {
        err.println("align4j run: rank " + failed.rank() + " (pid " + failed.pid() + ") " + describe(failed.code())
            + "; stopped the other ranks. The same command resumes the run"
            + (t.nnodes > 1 ? " (restart it on every node)" : ""));
        err.flush();
        return Main.FAILED;
      }
      return Main.OK;
    } finally {
      stopAll(procs);
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running already
      }
    }
  }

  private static String describe(int code) {
    if (code > 128 && code < 160) {
      int sig = code - 128;
      return "was killed by signal " + sig + (sig == 9 ? " (SIGKILL: kill -9 or out of memory)" : sig == 15 ? " (SIGTERM)" : "");
    }
    return "exited with code " + code;
  }

  /** Stops every rank still running: SIGTERM, then SIGKILL after 10 s. */
  private static void stopAll(List<Process> procs) {
    for (Process p : procs) {
      p.destroy();
    }
    for (Process p : procs) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }

  private static Thread pump(InputStream in, String prefix, PrintWriter to) {
    Thread th = new Thread(() -> {
      try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (to) {
            to.println(prefix + line);
            to.flush();
          }
        }
      } catch (IOException e) {
        // the rank is gone; what it printed has been forwarded
      }
    }, "align4j-" + prefix.trim());
    th.setDaemon(true);
    th.start();
    return th;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
