package org.align4j.core.engine;

import org.align4j.api.Align4jException;
import org.align4j.api.engine.Device;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's device from the recipe defaults {@code device} ({@code cpu}, {@code cuda}, {@code cuda:N}) and
 * {@code threads} (libtorch intra-op threads; 0 or less: the machine's cores). {@code ALIGN4J_THREADS} in the
 * environment overrides it: the launcher sets it for each rank it starts (cores / local ranks unless
 * {@code --threads-per-rank}), so a recipe written for one process does not oversubscribe the cores. A rank of a multi-process run
 * ({@code LOCAL_RANK} set) given plain {@code cuda} uses {@code cuda:LOCAL_RANK}. Setting the thread count is
 * process-wide; too many OpenMP threads make libtorch from Java many times slower.
 */
public final class TorchDevice implements Device {
  private static final Logger LOG = LoggerFactory.getLogger(TorchDevice.class);
  private final String name;
  private final int threads;
  private final org.bytedeco.pytorch.Device device;

  public TorchDevice(String name, int threads) {
    String n = name == null || name.isBlank() ? "cpu" : name.trim().toLowerCase(java.util.Locale.ROOT);
    if (!(n.equals("cpu") || n.equals("cuda") || n.matches("cuda:\\d+"))) {
      throw new Align4jException("device '" + name + "' is not valid; use cpu, cuda or cuda:N");
    }
    String localRank = System.getenv("LOCAL_RANK");
    if (n.equals("cuda") && localRank != null && localRank.matches("\\d+")) {
      n = "cuda:" + localRank; // one GPU per local rank, the torchrun convention
    }
    this.name = n;
    int override = environmentThreads();
    this.threads = override > 0 ? override : threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    String unavailable = unavailable(n);
    if (unavailable != null) {
      throw new Align4jException("device '" + n + "' cannot be used: " + unavailable + "; or set device: cpu");
    }
    this.device = new org.bytedeco.pytorch.Device(n);
    torch.set_num_threads(this.threads);
    setBlasThreads(this.threads);
    LOG.debug("device {} with {} intra-op threads", n, this.threads);
    if (n.equals("cpu")) {
      warnIfShared(this.threads, Runtime.getRuntime().availableProcessors(), otherRunnable());
    }
  }

  /** {@code ALIGN4J_THREADS} when set to a positive number, else 0. */
  static int environmentThreads() {
    String t = System.getenv("ALIGN4J_THREADS");
    return t != null && t.trim().matches("[1-9]\\d{0,4}") ? Integer.parseInt(t.trim()) : 0;
  }

  /**
   * Why a valid device name ({@code cpu}, {@code cuda}, {@code cuda:N}) cannot be used here, or null when it can: no
   * CUDA device seen by this build's libtorch (CPU natives, or no GPU), or fewer devices than {@code N + 1}. For
   * {@code cpu} libtorch is not loaded, so checking a CPU recipe costs nothing.
   */
  public static String unavailable(String device) {
    if (device == null || !device.startsWith("cuda")) {
      return null;
    }
    int count;
    try {
      count = torch.cuda_is_available() ? torch.cuda_device_count() : 0;
    } catch (LinkageError | RuntimeException e) {
      return "libtorch could not be loaded to look for CUDA devices (" + e + ")";
    }
    if (count <= 0) {
      return "this build's libtorch sees no CUDA device (CPU natives, or no GPU on this machine); build with the cuda"
          + " profile (mvn -Pcuda) on a machine with a GPU";
    }
    int index = device.equals("cuda") ? 0 : Integer.parseInt(device.substring("cuda:".length()));
    if (index >= count) {
      return "libtorch sees " + count + " CUDA device" + (count == 1 ? "" : "s") + " (cuda:0" + (count == 1 ? "" : "..cuda:"
          + (count - 1)) + ")";
    }
    return null;
  }

  /**
   * A warning when other work already keeps the cores busy: libtorch's intra-op threads wait for each other at every
   * op, so on 2 shared cores training and generation at 2 threads ran 8-30x slower than at 1 thread (SFT 0.4 vs 3.3
   * steps/s, generation 4.6 vs ~100 samples/s beside one other job). The thread count is not changed behind the
   * recipe's back (results differ across thread counts); the warning says what to set.
   *
   * @return whether it warned
   */
  static boolean warnIfShared(int threads, int cores, int otherRunnable) {
    if (threads < 2 || otherRunnable < cores - threads + 1) {
      return false;
    }
    LOG.warn("the machine is busy ({} other runnable tasks on {} cores) and libtorch runs {} intra-op threads: sharing"
        + " cores makes every op wait for the slowest thread, many times slower than 1 thread; for a run beside other"
        + " work set defaults.threads: 1 (--set defaults.threads=1)", otherRunnable, cores, threads);
    return true;
  }

  /**
   * Runnable tasks of other processes: the least of five readings 20 ms apart of {@code /proc/loadavg}'s instant
   * running count minus this JVM's own running threads (its JIT and GC threads are busy at start-up); an instant
   * count, unlike the load average, which still remembers the build that just finished. 0 where the OS has no such
   * files.
   */
  static int otherRunnable() {
    int least = Integer.MAX_VALUE;
    try {
      for (int i = 0; i < 5; i++) {
        String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
        int running = Integer.parseInt(f[3].substring(0, f[3].indexOf('/')));
        least = Math.min(least, running - ownRunningThreads());
        Thread.sleep(20);
      }
    } catch (Exception e) { // not Linux, or an unexpected format: no evidence of other work
      return 0;
    }
    return Math.max(0, least);
  }

  /** Threads of this process in state R ({@code /proc/self/task/<tid>/stat}, the field after the name). */
  private static int ownRunningThreads() throws java.io.IOException {
    int n = 0;
    try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
      for (var t : (Iterable<java.nio.file.Path>) tasks::iterator) {
        try {
          String stat = java.nio.file.Files.readString(t.resolve("stat"));
          int close = stat.lastIndexOf(')');
          if (close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'R') {
            n++;
          }
        } catch (java.io.IOException gone) { // the thread ended while we looked
          // not running
        }
      }
    }
    return Math.max(1, n); // at least the reading thread
  }

  /**
   * OpenBLAS (libtorch's CPU GEMM here) keeps its own thread pool, sized to the machine's cores regardless of
   * {@code torch.set_num_threads}; with more threads than the run asked for, small matrix products on a busy machine
   * became 5-10x slower in our measurements (an 8000x384 LM head: 25 ms -> 2-5 ms). Keep both pools equal.
   */
  static void setBlasThreads(int n) {
    try {
      org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(n);
    } catch (Throwable t) { // no OpenBLAS in this build (e.g. a GPU or MKL build): nothing to align
      LOG.debug("could not set OpenBLAS threads: {}", t.toString());
    }
  }

  /** CPU with {@code threads} threads. */
  public static TorchDevice cpu(int threads) {
    return new TorchDevice("cpu", threads);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public org.bytedeco.pytorch.Device torchDevice() {
    return device;
  }

  @Override
  public int threads() {
    return threads;
  }

  @Override
  public boolean isCuda() {
    return name.startsWith("cuda");
  }

  @Override
  public String toString() {
    return name + " (" + threads + " threads)";
  }
}
