package org.align4j.core.engine.model;

import org.align4j.api.model.ModelConfig;
import org.align4j.core.engine.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Keys and values of every layer for a batch, preallocated to {@code capacity} positions:
 * {@code [B, kvHeads, capacity, headDim]} per layer. With GQA/MQA only the key/value heads are stored (the
 * shared heads are what shrinks the cache). {@link #length()} positions are filled.
 */
public final class KvCache implements AutoCloseable {
  final Tensor[] keys;
  final Tensor[] values;
  private final int capacity;
  private final int batch;
  private int length;

  public KvCache(ModelConfig c, int batch, int capacity, Device device) {
    this.capacity = capacity;
    this.batch = batch;
    keys = new Tensor[c.numLayers()];
    values = new Tensor[c.numLayers()];
    TensorOptions o = new TensorOptions(ScalarType.Float).device(new org.bytedeco.pytorch.DeviceOptional(device));
    for (int i = 0; i < c.numLayers(); i++) {
      keys[i] = Tensors.keep(torch.zeros(new long[] {batch, c.numKeyValueHeads(), capacity, c.headDim()}, o));
      values[i] = Tensors.keep(torch.zeros(new long[] {batch, c.numKeyValueHeads(), capacity, c.headDim()}, o));
    }
  }

  public int length() {
    return length;
  }

  public int batch() {
    return batch;
  }

  public int capacity() {
    return capacity;
  }

  /** Stores layer {@code layer}'s new keys/values ({@code [B, kv, T, hd]}) after the filled part; returns views of all. */
  Tensor[] append(int layer, Tensor k, Tensor v) {
    long t = k.size(2);
    if (length + t > capacity) {
      throw new IllegalStateException("KV cache full: " + length + " + " + t + " > " + capacity);
    }
    keys[layer].narrow(2, length, t).copy_(k);
    values[layer].narrow(2, length, t).copy_(v);
    return new Tensor[] {keys[layer].narrow(2, 0, length + t), values[layer].narrow(2, 0, length + t)};
  }

  /**
   * Fills this cache with row {@code index[r]} of {@code src} for each row r (one filled prompt cache expanded to the
   * rows that continue it: K samples of a prompt share its prefill).
   */
  public void expandFrom(KvCache src, Tensor index) {
    if (length != 0 || src.length > capacity) {
      throw new IllegalStateException("expandFrom needs an empty cache of capacity >= " + src.length);
    }
    for (int i = 0; i < keys.length; i++) {
      torch.index_select_out(keys[i].narrow(2, 0, src.length), src.keys[i].narrow(2, 0, src.length), 0, index);
      torch.index_select_out(values[i].narrow(2, 0, src.length), src.values[i].narrow(2, 0, src.length), 0, index);
    }
    length = src.length;
  }

  /** Called by the model after all layers appended {@code t} positions. */
  void advance(long t) {
    length += (int) t;
  }

  @Override
  public void close() {
    for (int i = 0; i < keys.length; i++) {
      keys[i].close();
      values[i].close();
    }
  }
}
