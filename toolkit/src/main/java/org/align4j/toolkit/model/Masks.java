package org.align4j.toolkit.model;

import org.align4j.api.model.AttentionLayout;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Attention masks and position ids for the layouts the stages use. A mask is boolean
 * {@code [B, 1, T, T]}: {@code mask[b, 0, q, k]} is true where query q may attend to key k. Padding
 * positions attend to themselves only (so no row is empty) and nothing attends to them.
 *
 * <ul>
 *   <li>{@link #causal}: one document per row, positions 0..T-1.
 *   <li>{@link #padded}: one document per row plus right or left padding.
 *   <li>{@link #packed}: several documents per row (SFT packing): no attention across documents, positions
 *       restart at 0 for each document.
 *   <li>{@link #sharedPrefix}: a prompt followed by several responses (Llama 3 reward model rows): each
 *       response sees the prompt and itself only; its positions continue after the prompt.
 * </ul>
 * Tensors are created on the CPU; move them with {@code .to(device)} where needed.
 */
public final class Masks {
  private Masks() {}

  /** The most elements a Java array holds (what the dense masks below are built in). */
  static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  /**
   * {@code b * t * t}, the entries of a dense {@code [B, 1, T, T]} mask, when it fits an array; else an error that says
   * so and what to lower, instead of an int that wraps (16 rows of 16,384 tokens wrapped to 0) or a
   * NegativeArraySizeException. Every index {@code (r * t + i) * t + k} below it then fits an int too.
   */
  public static int denseEntries(int b, int t) {
    long n = (long) b * t * t; // wraps only when b * t > MAX_ARRAY, which is refused first
    if (b < 0 || t < 0 || (t > 0 && (long) b * t > MAX_ARRAY) || n > MAX_ARRAY) {
      throw new IllegalArgumentException("a dense attention mask of " + b + " rows x " + t + " x " + t + " tokens ("
          + ((t > 0 && (long) b * t > MAX_ARRAY) ? "over 2^31" : String.valueOf(n)) + " entries) is more than the "
          + MAX_ARRAY + " one mask can hold; lower the batch size or the sequence length (batch_size, seq_len or max_len)");
    }
    return (int) n;
  }

  /** {@code a * b} as an array length, or an error naming {@code what} when it does not fit. */
  public static int arrayLength(int a, int b, String what) {
    long n = (long) a * b;
    if (a < 0 || b < 0 || n > MAX_ARRAY) {
      throw new IllegalArgumentException(a + " x " + b + " " + what + " is more than the " + MAX_ARRAY
          + " an array holds; lower the batch size or the sequence length");
    }
    return (int) n;
  }

  /** Causal mask {@code [1, 1, T, T]}. */
  public static Tensor causal(long t) {
    return torch.ones(new long[] {t, t}, new TensorOptions(ScalarType.Bool)).tril().view(1, 1, t, t);
  }

  /**
   * Packed documents: {@code segmentIds[b][i]} says which document token i of row b belongs to; a
   * document is a run of equal ids; a negative id marks padding. All rows must have the same length.
   */
  public static AttentionLayout packed(int[][] segmentIds) {
    int b = segmentIds.length;
    int t = b == 0 ? 0 : segmentIds[0].length;
    byte[] mask = new byte[denseEntries(b, t)];
    long[] pos = new long[b * t];
    for (int r = 0; r < b; r++) {
      int[] seg = segmentIds[r];
      if (seg.length != t) {
        throw new IllegalArgumentException("segment id rows differ in length: row 0 has " + t + ", row " + r + " has " + seg.length);
      }
      int start = 0;
      for (int i = 0; i < t; i++) {
        if (i > 0 && seg[i] != seg[i - 1]) {
          start = i;
        }
        int base = (r * t + i) * t;
        if (seg[i] < 0) {
          mask[base + i] = 1;
          pos[r * t + i] = 0;
          continue;
        }
        for (int k = start; k <= i; k++) {
          mask[base + k] = 1;
        }
        pos[r * t + i] = i - start;
      }
    }
    return new AttentionLayout(bool(mask, b, 1, t, t), longs(pos, b, t));
  }

  /** One document of {@code lengths[b]} tokens per row, padded to {@code t} on the right or the left. */
  public static AttentionLayout padded(int[] lengths, int t, boolean left) {
    int[][] seg = new int[lengths.length][t];
    for (int r = 0; r < lengths.length; r++) {
      if (lengths[r] < 0 || lengths[r] > t) {
        throw new IllegalArgumentException("length " + lengths[r] + " of row " + r + " is outside 0.." + t);
      }
      int padStart = left ? 0 : lengths[r];
      int padEnd = left ? t - lengths[r] : t;
      for (int i = 0; i < t; i++) {
        seg[r][i] = (i >= padStart && i < padEnd) ? -1 : 0;
      }
    }
    return packed(seg);
  }

  /**
   * Shared-prefix rows: row b holds a prompt of {@code promptLengths[b]} tokens, then responses of
   * {@code responseLengths[b][j]} tokens back to back, then padding up to {@code t}. Each response attends to
   * the prompt and causally to itself; its positions continue from the prompt's length.
   */
  public static AttentionLayout sharedPrefix(int[] promptLengths, int[][] responseLengths, int t) {
    int b = promptLengths.length;
    byte[] mask = new byte[denseEntries(b, t)];
    long[] pos = new long[b * t];
    for (int r = 0; r < b; r++) {
      int p = promptLengths[r];
      int total = p;
      for (int len : responseLengths[r]) {
        total += len;
      }
      if (p < 0 || total > t) {
        throw new IllegalArgumentException("row " + r + ": prompt + responses = " + total + " tokens, more than " + t);
      }
      for (int i = 0; i < p; i++) {
        for (int k = 0; k <= i; k++) {
          mask[(r * t + i) * t + k] = 1;
        }
        pos[r * t + i] = i;
      }
      int start = p;
      for (int len : responseLengths[r]) {
        for (int i = start; i < start + len; i++) {
          int base = (r * t + i) * t;
          for (int k = 0; k < p; k++) {
            mask[base + k] = 1;
          }
          for (int k = start; k <= i; k++) {
            mask[base + k] = 1;
          }
          pos[r * t + i] = p + (i - start);
        }
        start += len;
      }
      for (int i = total; i < t; i++) {
        mask[(r * t + i) * t + i] = 1;
      }
    }
    return new AttentionLayout(bool(mask, b, 1, t, t), longs(pos, b, t));
  }

  /** Index of the last token of each response in {@link #sharedPrefix} rows (where a reward model reads its score). */
  public static long[][] responseEnds(int[] promptLengths, int[][] responseLengths) {
    long[][] ends = new long[promptLengths.length][];
    for (int r = 0; r < promptLengths.length; r++) {
      ends[r] = new long[responseLengths[r].length];
      long at = promptLengths[r];
      for (int j = 0; j < responseLengths[r].length; j++) {
        at += responseLengths[r][j];
        ends[r][j] = at - 1;
      }
    }
    return ends;
  }

  /**
   * Reads {@code x} ({@code [B, T]} or {@code [B, T, D]}) at chosen positions: {@code positions[b]} are indices
   * into row b's T axis, all rows with the same count K. Returns {@code [B, K]} or {@code [B, K, D]}; differentiable.
   */
  public static Tensor gather(Tensor x, long[][] positions) {
    int b = positions.length;
    int k = b == 0 ? 0 : positions[0].length;
    long[] flat = new long[arrayLength(b, k, "positions to gather")];
    for (int r = 0; r < b; r++) {
      if (positions[r].length != k) {
        throw new IllegalArgumentException("every row needs the same number of positions: row 0 has " + k + ", row " + r + " has " + positions[r].length);
      }
      System.arraycopy(positions[r], 0, flat, r * k, k);
    }
    Tensor idx = longs(flat, b, k).to(x.device(), ScalarType.Long);
    if (x.dim() == 2) {
      return x.gather(1, idx);
    }
    long d = x.size(2);
    return x.gather(1, idx.unsqueeze(2).expand(b, k, d));
  }

  /** An int64 tensor {@code shape} from {@code values} (CPU). */
  public static Tensor longs(long[] values, long... shape) {
    Tensor out = torch.empty(shape, new TensorOptions(ScalarType.Long), null);
    if (values.length != out.numel()) {
      throw new IllegalArgumentException(values.length + " values do not fill shape of " + out.numel() + " elements");
    }
    if (values.length > 0) {
      new LongPointer(out.data_ptr()).capacity(values.length).put(values);
    }
    return out;
  }

  private static Tensor bool(byte[] values, long... shape) {
    Tensor out = torch.empty(shape, new TensorOptions(ScalarType.Bool), null);
    if (values.length > 0) {
      new BytePointer(out.data_ptr()).capacity(values.length).put(values);
    }
    return out;
  }
}
