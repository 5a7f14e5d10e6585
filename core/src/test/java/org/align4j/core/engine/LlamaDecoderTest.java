package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.align4j.api.engine.Generator.Generation;
import org.align4j.api.engine.Generator.Sampling;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.generate.LocalGenerator;
import org.align4j.core.engine.model.KvCache;
import org.align4j.core.engine.model.LlamaDecoder;
import org.align4j.core.engine.model.LlamaModel;
import org.align4j.testkit.TinyModels;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The decode path (LlamaDecoder: preallocated buffers, out= ops) against the general forward pass. */
class LlamaDecoderTest {
  static final LocalModels MODELS = EngineTestSupport.MODELS;

  /** Every projection and the head at least 2^16 entries: batch 1 runs them as gemv over the transposed copies. */
  static ModelConfig mid() {
    return ModelConfig.llama(512, 256, 2, 4, 2).withIntermediateSize(512);
  }

  /**
   * Runs {@code steps} decode steps both ways from the same prompt rows (row r starts with r pad positions the mask
   * hides) and returns the largest |logit difference|; {@code exact} also asserts bit equality and equal argmax.
   */
  static double compare(LlamaModel m, int b, int steps, boolean exact) {
    return compare(m, b, steps, exact, false);
  }

  static double compare(LlamaModel m, int b, int steps, boolean exact, boolean bf16) {
    int p = 5;
    int cap = p + steps;
    long vocab = m.config().vocabSize();
    double worst = 0;
    try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope();
        KvCache c0 = new KvCache(m.config(), b, cap, m.device()); KvCache c1 = new KvCache(m.config(), b, cap, m.device())) {
      long[] ids = new long[b * p];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = (i * 37 + 11) % vocab;
      }
      Tensor mask = torch.zeros(new long[] {b, 1, 1, cap}, new TensorOptions(torch.ScalarType.Bool));
      long[] start = new long[b];
      for (int r = 0; r < b; r++) {
        mask.narrow(0, r, 1).narrow(3, r, p - r).fill_(new Scalar(1));
        start[r] = p - r - 1;
      }
      Tensor prompt = Tensors.longs(ids, b, p);
      int[] real = new int[b];
      for (int r = 0; r < b; r++) {
        real[r] = p - r;
      }
      // the generator's prefill: left padding, attending to nothing and attended by nothing
      m.forward(ModelInput.of(prompt, Masks.padded(real, p, true)), c0);
      m.forward(ModelInput.of(prompt, Masks.padded(real, p, true)), c1);
      Tensor pos = Tensors.longs(start, b, 1);
      Tensor next = prompt.narrow(1, p - 1, 1).clone();
      try (LlamaDecoder dec = m.decoder(c1, bf16)) {
        assertNotNull(dec);
        dec.positions().copy_(pos);
        dec.tokens().copy_(next);
        for (int step = 0; step < steps; step++) {
          int len = p + step + 1;
          mask.narrow(3, len - 1, 1).fill_(new Scalar(1));
          pos.add_(new Scalar(1));
          dec.positions().add_(new Scalar(1));
          Tensor ref = m.lmHead(m.forward(new ModelInput(next, pos, mask.narrow(3, 0, len)), c0).squeeze(1));
          Tensor got = dec.step(mask.narrow(3, 0, len));
          assertArrayEquals(Tensors.shape(ref), Tensors.shape(got));
          worst = Math.max(worst, ref.sub(got).abs().max().item_double());
          Tensor refTok = ref.argmax(new LongOptional(-1), true);
          if (exact) {
            assertTrue(TinyModels.sameBits(ref, got), "step " + step + ": logits differ by " + worst);
          }
          if (!bf16) {
            assertArrayEquals(Tensors.toLongs(refTok), Tensors.toLongs(got.argmax(new LongOptional(-1), true)), "step " + step);
          }
          next.copy_(refTok);
          dec.tokens().copy_(refTok);
        }
      }
      assertEquals(c0.length(), c1.length());
    }
    return worst;
  }

  @Test
  void severalRowsEqualForwardBitForBit() {
    try (LanguageModel m = MODELS.create(mid(), 5)) {
      compare((LlamaModel) m, 3, 6, true);
    }
    try (LanguageModel m = MODELS.create(TinyModels.gqa(), 6)) {
      compare((LlamaModel) m, 2, 6, true);
    }
  }

  @Test
  void oneRowEqualsForwardUpToGemvRounding() {
    try (LanguageModel m = MODELS.create(TinyModels.gqa(), 6)) {
      compare((LlamaModel) m, 1, 6, true); // small matrices: linear's GEMM, bit-identical
    }
    try (LanguageModel m = MODELS.create(mid(), 5)) {
      double worst = compare((LlamaModel) m, 1, 6, false);
      System.out.printf("batch-1 decode vs forward: max abs logit difference %.3g%n", worst);
      assertTrue(worst > 0 && worst < 1e-4, "gemv over the transposed copies: " + worst);
    }
  }

  @Test
  void gemvCopiesFollowInPlaceWeightUpdates() {
    try (LanguageModel m = MODELS.create(mid(), 5)) {
      LlamaModel lm = (LlamaModel) m;
      assertTrue(compare(lm, 1, 2, false) < 1e-4);
      try (NoGradGuard g = new NoGradGuard()) {
        // what an optimizer step does: in place, through the named parameters (views of the fused buffers)
        m.parameters().get("model.layers.0.self_attn.q_proj.weight").mul_(new Scalar(-1.5));
        m.parameters().get("model.layers.1.mlp.down_proj.weight").add_(new Scalar(0.02));
        m.parameters().get("lm_head.weight").mul_(new Scalar(3));
      }
      assertTrue(compare(lm, 1, 3, false) < 1e-4, "stale decode copies");
    }
  }

  @Test
  void batchOneGenerationMatchesUncachedAndTrainerLogprobs() {
    try (LanguageModel m = MODELS.create(mid(), 8)) {
      LocalGenerator gen = new LocalGenerator();
      List<int[]> prompts = List.of(new int[] {1, 2, 3, 4}, new int[] {7}, new int[] {9, 10, 11, 300, 301});
      List<Generation> cached = gen.generate(m, prompts, Sampling.greedy(16).withBatchSize(1));
      List<Generation> full = gen.generate(m, prompts, Sampling.greedy(16).withBatchSize(1).withCache(false));
      List<Generation> sampled = gen.generate(m, prompts, Sampling.sample(16, 1.0, 1.0, 3).withBatchSize(1));
      List<int[]> seqs = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        assertArrayEquals(full.get(i).tokens(), cached.get(i).tokens(), "row " + i);
        seqs.add(sampled.get(i).sequence());
      }
      try (PointerScope s = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
        for (int i = 0; i < prompts.size(); i++) {
          Generation g = sampled.get(i);
          float[] fwd = Tensors.toFloats(m.tokenLogprobs(ModelInput.causal(Tensors.ids(g.sequence()))));
          for (int t = 0; t < g.tokens().length; t++) {
            assertEquals(fwd[g.prompt().length - 1 + t], g.logprobs()[t], 1e-5, "row " + i + " token " + t);
          }
        }
      }
    }
  }

  @Test
  void bf16DecodeStaysCloseToFloat32() {
    try (LanguageModel m = MODELS.create(mid(), 5)) {
      double fp32 = compare((LlamaModel) m, 1, 6, false);
      for (int b : new int[] {1, 3}) {
        double bf16 = compare((LlamaModel) m, b, 6, false, true);
        System.out.printf("batch %d decode vs forward: max abs logit difference fp32 %.3g, bf16 %.3g%n", b, fp32, bf16);
        // bfloat16 keeps 8 bits of mantissa: far from float32's rounding, far below the logits' spread
        assertTrue(bf16 > 100 * fp32 && bf16 < 0.05, "bf16 logit error " + bf16);
      }
    }
  }

  @Test
  void precisionIsChecked() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Sampling.greedy(1).withPrecision("fp16"));
    assertEquals("fp32", Sampling.greedy(1).precision());
    try (LanguageModel m = MODELS.create(TinyModels.gqa(), 6)) {
      LocalGenerator gen = new LocalGenerator();
      List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {4});
      List<Generation> a = gen.generate(m, prompts, Sampling.greedy(8).withPrecision("bf16"));
      List<Generation> c = gen.generate(m, prompts, Sampling.greedy(8).withPrecision("auto"));
      for (int i = 0; i < prompts.size(); i++) {
        assertEquals(8, a.get(i).tokens().length);
        assertEquals(8, c.get(i).tokens().length);
      }
    }
  }
}
