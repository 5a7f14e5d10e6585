package org.align4j.api.engine;

/**
 * The device and numeric settings of a run ({@code device: cpu | cuda}, {@code threads}).
 * Code stays device-agnostic: create tensors with {@link #torchDevice()}.
 */
public interface Device {
  /** {@code cpu} or {@code cuda[:n]}. */
  String name();

  org.bytedeco.pytorch.Device torchDevice();

  /** libtorch intra-op threads. */
  int threads();

  boolean isCuda();
}
