package org.align4j.core.engine;

import org.align4j.api.Align4jException;
import org.align4j.api.engine.Device;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's device from the recipe defaults {@code device} ({@code cpu}, {@code cuda}, {@code cuda:N}) and
 * {@code threads} (libtorch intra-op threads; 0 or less: the machine's cores). Setting the thread count is
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
    this.name = n;
    this.threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    if (n.startsWith("cuda") && !torch.cuda_is_available()) {
      throw new Align4jException("device '" + n + "' requested but libtorch sees no CUDA device; build with the cuda "
          + "profile (mvn -Pcuda) on a machine with a GPU, or set device: cpu");
    }
    this.device = new org.bytedeco.pytorch.Device(n);
    torch.set_num_threads(this.threads);
    setBlasThreads(this.threads);
    LOG.debug("device {} with {} intra-op threads", n, this.threads);
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
