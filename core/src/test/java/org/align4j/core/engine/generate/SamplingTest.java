package org.align4j.core.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.align4j.api.engine.Generator.Sampling;
import org.align4j.core.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Sampling rules against hand-computed distributions. */
class SamplingTest {
  // logits ln(p) for p = 0.5, 0.25, 0.15, 0.1 (ids shuffled: 2, 0, 3, 1)
  static final float[] LOGITS = {(float) Math.log(0.25), (float) Math.log(0.1), (float) Math.log(0.5), (float) Math.log(0.15)};
  static final float[] SORTED = {(float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.15), (float) Math.log(0.1)};
  static final long[] ORDER = {2, 0, 3, 1};

  /** The native sampler over n copies of the (unsorted) row, one uniform draw per row from the same stream. */
  static double[] nativeFreq(Sampling s, int n) {
    SplittableRandom r = new SplittableRandom(9);
    double[] u = new double[n];
    float[] rows = new float[n * 4];
    for (int i = 0; i < n; i++) {
      u[i] = r.nextDouble();
      System.arraycopy(LOGITS, 0, rows, i * 4, 4);
    }
    double[] f = new double[4];
    try (PointerScope scope = new PointerScope()) {
      Tensor[] tl = LocalGenerator.sampleNative(Tensors.floats(rows, n, 4), u, s);
      long[] tok = Tensors.toLongs(tl[0]);
      float[] lp = Tensors.toFloats(tl[1]);
      for (int i = 0; i < n; i++) {
        f[(int) tok[i]] += 1.0 / n;
        assertEquals(LOGITS[(int) tok[i]], lp[i], 1e-6);
      }
    }
    return f;
  }

  /** Native and Java sampling pick the same token for the same draw (same arithmetic, same stream). */
  static void sameAsJava(Sampling s) {
    double[] j = freq(s, (s.topK() > 0 && s.topK() < 4) || s.topP() < 1, 20_000);
    double[] n = nativeFreq(s, 20_000);
    assertArrayEquals(j, n, 1e-12);
  }

  static double[] freq(Sampling s, boolean sorted, int n) {
    SplittableRandom r = new SplittableRandom(9);
    double[] f = new double[4];
    for (int i = 0; i < n; i++) {
      int t = sorted ? LocalGenerator.chooseSorted(SORTED, ORDER, 0, 4, s, r) : LocalGenerator.choose(LOGITS, 0, 4, s, r);
      f[t] += 1.0 / n;
    }
    return f;
  }

  @Test
  void temperatureOneSamplesTheSoftmax() {
    double[] f = freq(Sampling.sample(1, 1.0, 1.0, 0), false, 200_000);
    assertEquals(0.25, f[0], 0.005);
    assertEquals(0.10, f[1], 0.005);
    assertEquals(0.50, f[2], 0.005);
    assertEquals(0.15, f[3], 0.005);
    f = nativeFreq(Sampling.sample(1, 1.0, 1.0, 0), 200_000);
    assertEquals(0.25, f[0], 0.005);
    assertEquals(0.10, f[1], 0.005);
    assertEquals(0.50, f[2], 0.005);
    assertEquals(0.15, f[3], 0.005);
    sameAsJava(Sampling.sample(1, 1.0, 1.0, 0));
  }

  @Test
  void topPKeepsTheSmallestPrefixReachingP() {
    // top_p 0.7: 0.5 < 0.7, 0.5 + 0.25 >= 0.7 -> keep ids 2 and 0, renormalised to 2/3 and 1/3
    double[] f = freq(Sampling.sample(1, 1.0, 0.7, 0), true, 200_000);
    assertEquals(1 / 3.0, f[0], 0.005);
    assertEquals(0, f[1], 0);
    assertEquals(2 / 3.0, f[2], 0.005);
    assertEquals(0, f[3], 0);
    f = nativeFreq(Sampling.sample(1, 1.0, 0.7, 0), 200_000);
    assertEquals(1 / 3.0, f[0], 0.005);
    assertEquals(0, f[1], 0);
    assertEquals(2 / 3.0, f[2], 0.005);
    assertEquals(0, f[3], 0);
    sameAsJava(Sampling.sample(1, 1.0, 0.7, 0));
    sameAsJava(Sampling.sample(1, 1.3, 0.9, 0));
  }

  @Test
  void topKAndTemperature() {
    // top_k 3 at temperature 2: weights sqrt(p) over {0.5, 0.25, 0.15}
    double[] f = freq(Sampling.sample(1, 2.0, 1.0, 0).withTopK(3), true, 200_000);
    double a = Math.sqrt(0.5);
    double b = Math.sqrt(0.25);
    double c = Math.sqrt(0.15);
    assertEquals(a / (a + b + c), f[2], 0.005);
    assertEquals(b / (a + b + c), f[0], 0.005);
    assertEquals(c / (a + b + c), f[3], 0.005);
    assertEquals(0, f[1], 0);
    // top_k 1 is greedy
    assertEquals(1.0, freq(Sampling.sample(1, 1.0, 1.0, 0).withTopK(1), true, 1000)[2], 1e-9);
    assertEquals(2, LocalGenerator.choose(LOGITS, 0, 4, Sampling.greedy(1), new SplittableRandom(1)));
    f = nativeFreq(Sampling.sample(1, 2.0, 1.0, 0).withTopK(3), 200_000);
    assertEquals(a / (a + b + c), f[2], 0.005);
    assertEquals(b / (a + b + c), f[0], 0.005);
    assertEquals(c / (a + b + c), f[3], 0.005);
    assertEquals(0, f[1], 0);
    assertEquals(1.0, nativeFreq(Sampling.sample(1, 1.0, 1.0, 0).withTopK(1), 1000)[2], 1e-9);
    assertEquals(1.0, nativeFreq(Sampling.greedy(1), 10)[2], 1e-9);
    sameAsJava(Sampling.sample(1, 2.0, 1.0, 0).withTopK(3));
    sameAsJava(Sampling.sample(1, 0.7, 0.8, 0).withTopK(3));
  }
}
