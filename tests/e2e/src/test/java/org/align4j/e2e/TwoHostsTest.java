package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.align4j.testkit.Repo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two "hosts" on one machine: two network namespaces joined by a veth pair with link-local addresses
 * (169.254.77.1 and .2), created by the test and removed afterwards, even on failure. Each runs
 * {@code align4j run recipes/quickstart.yaml --nnodes 2 --node-rank R --master-addr 169.254.77.1} (shortened with
 * {@code --set}) with one rank; they run the whole quickstart together through the pair (traffic never leaves the two
 * namespaces). Where network namespaces cannot be created (not root),
 * the same two node commands run on loopback (127.0.0.1) and the test says so in its log; {@link ScaleOutTest} covers
 * several ranks of one node.
 */
class TwoHostsTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void twoNodesInNetworkNamespacesTrainTogether() throws Exception {
    String tag = "a4j" + ProcessHandle.current().pid();
    List<String> ns = List.of(tag + "n0", tag + "n1");
    boolean namespaces = sh("ip", "netns", "add", ns.get(0)) == 0;
    if (!namespaces) {
      System.err.println("TwoHostsTest: network namespaces are not available here (ip netns add needs root):"
          + " the two nodes run on loopback only");
      runNodes(null, "127.0.0.1", freePort());
      return;
    }
    try {
      assertEquals(0, sh("ip", "netns", "add", ns.get(1)));
      assertEquals(0, sh("ip", "link", "add", tag + "a", "netns", ns.get(0), "type", "veth", "peer", "name", tag + "b",
          "netns", ns.get(1)));
      for (int i = 0; i < 2; i++) {
        String dev = tag + (i == 0 ? "a" : "b");
        assertEquals(0, sh("ip", "-n", ns.get(i), "addr", "add", "169.254.77." + (i + 1) + "/24", "dev", dev));
        assertEquals(0, sh("ip", "-n", ns.get(i), "link", "set", dev, "up"));
        assertEquals(0, sh("ip", "-n", ns.get(i), "link", "set", "lo", "up"));
      }
      runNodes(ns, "169.254.77.1", 29517);
    } finally {
      for (String n : ns) {
        sh("ip", "netns", "del", n); // removes the veth pair with it
      }
    }
  }

  /**
   * Node 0 and node 1 of one run of the quickstart recipe (shortened: less data, fewer steps, the same stages),
   * each one rank, inside {@code ns} (one namespace per node) or on this host.
   */
  private void runNodes(List<String> ns, String masterAddr, int port) throws Exception {
    Path run = dir.resolve("run");
    List<String> shortened = List.of("--set", "run_dir=" + run,
        "--set", "stages.tasks.options.sft_examples=400", "--set", "stages.tasks.options.corpus_documents=800",
        "--set", "stages.tasks.options.eval_prompts=40", "--set", "stages.pretrain.options.steps=20",
        "--set", "stages.sft.options.steps=20", "--set", "stages.sft.options.checkpoint_every=10");
    var nodes = new ArrayList<Process>();
    for (int node = 0; node < 2; node++) {
      var cmd = new ArrayList<String>();
      if (ns != null) {
        cmd.addAll(List.of("ip", "netns", "exec", ns.get(node)));
      }
      cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), "org.align4j.launcher.Main", "run", Repo.root().resolve("recipes/quickstart.yaml").toString(),
          "--nnodes", "2", "--node-rank", String.valueOf(node), "--nproc-per-node", "1", "--master-addr", masterAddr,
          "--master-port", String.valueOf(port), "--threads-per-rank", "1", "--join-timeout", "90"));
      cmd.addAll(shortened);
      var pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("node" + node + ".log").toFile());
      pb.environment().put("CI", "true");
      nodes.add(pb.start());
    }
    for (int node = 0; node < 2; node++) {
      Process p = nodes.get(node);
      boolean done = p.waitFor(150, TimeUnit.SECONDS);
      if (!done) {
        nodes.forEach(Process::destroyForcibly);
      }
      String log = Files.readString(dir.resolve("node" + node + ".log"));
      assertTrue(done, "node " + node + " hung: " + log);
      assertEquals(0, p.exitValue(), "node " + node + ": " + log);
    }
    String node1 = Files.readString(dir.resolve("node1.log"));
    assertTrue(node1.contains("[rank 1] ") && node1.contains("rank 1 of 2 computes 8 of every 16 examples"), node1);
    assertTrue(Files.exists(run.resolve("sft/model/model.safetensors")));
    assertTrue(Files.exists(run.resolve("eval/evaluation/summary.json")), "the quickstart's evaluation");
    assertTrue(Files.exists(run.resolve("report.html")), "the quickstart's report");
  }

  private static int freePort() throws java.io.IOException {
    try (var s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The command's exit status; -1 when it cannot be started (no {@code ip} here) or does not end within 20 s. */
  private static int sh(String... cmd) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (java.io.IOException e) {
      return -1;
    }
    return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }
}
