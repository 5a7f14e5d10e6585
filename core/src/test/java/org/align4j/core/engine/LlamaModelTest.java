package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.engine.Generator.Generation;
import org.align4j.api.engine.Generator.Sampling;
import org.align4j.api.engine.Models;
import org.align4j.api.model.AttentionLayout;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.generate.LocalGenerator;
import org.align4j.testkit.TinyModels;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaModelTest {
  static final LocalModels MODELS = EngineTestSupport.MODELS;

  static Tensor ids(long[]... rows) {
    long[] flat = new long[rows.length * rows[0].length];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
    }
    return Tensors.longs(flat, rows.length, rows[0].length);
  }

  static double maxDiff(Tensor a, Tensor b) {
    return a.sub(b).abs().max().item_double();
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    LanguageModel m = MODELS.create(TinyModels.gqa(), 21);
    int[][] data = TinyModels.data(3, 8, 64, 2);
    int[] idx = {0, 1, 2};
    try (PointerScope s = new PointerScope()) {
      TinyModels.sftLoss(m, data, idx).loss().backward();
      for (String name : List.of("model.layers.0.self_attn.k_proj.weight", "model.layers.1.mlp.down_proj.weight",
          "model.layers.0.input_layernorm.weight", "model.embed_tokens.weight", "lm_head.weight")) {
        Tensor p = m.parameters().get(name);
        Tensor g = p.grad().flatten();
        // the three largest-gradient elements of each tensor
        Tensor top = g.abs().topk(3).get1();
        for (long i : Tensors.toLongs(top)) {
          double analytic = g.get(i).item_double();
          double eps = 1e-2;
          double fd;
          try (NoGradGuard ng = new NoGradGuard()) {
            Tensor flat = p.view(-1);
            float orig = flat.get(i).item_float();
            flat.get(i).fill_(new org.bytedeco.pytorch.Scalar(orig + eps));
            double plus = TinyModels.sftLoss(m, data, idx).loss().item_double();
            flat.get(i).fill_(new org.bytedeco.pytorch.Scalar(orig - eps));
            double minus = TinyModels.sftLoss(m, data, idx).loss().item_double();
            flat.get(i).fill_(new org.bytedeco.pytorch.Scalar(orig));
            fd = (plus - minus) / (2 * eps);
          }
          assertEquals(analytic, fd, 2e-3 + 2e-2 * Math.abs(analytic), name + "[" + i + "]");
        }
      }
    }
    m.close();
  }

  @Test
  void gqaEqualsMhaWithRepeatedKeyValueHeads() {
    ModelConfig gqa = TinyModels.gqa(); // 4 query heads, 2 kv heads, head_dim 8
    LanguageModel g = MODELS.create(gqa, 5);
    Map<String, Tensor> w = new LinkedHashMap<>();
    try (PointerScope s = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : g.parameters().entrySet()) {
        Tensor t = e.getValue();
        if (e.getKey().endsWith("k_proj.weight") || e.getKey().endsWith("v_proj.weight")) {
          // kv head j serves query heads j*g .. j*g+g-1: repeat each head's rows g times, in place
          t = t.view(2, 8, 32).repeat_interleave(2, new LongOptional(0), new LongOptional()).reshape(32, 32);
        }
        w.put(e.getKey(), Tensors.keep(t.clone()));
      }
      LanguageModel mha = new org.align4j.core.engine.model.LlamaModel(gqa.withKeyValueHeads(4), w, DEVICEcpu(), null);
      Tensor x = ids(new long[] {1, 5, 9, 2, 7, 7, 3}, new long[] {4, 4, 0, 63, 8, 1, 2});
      double d = maxDiff(g.logits(ModelInput.causal(x)), mha.logits(ModelInput.causal(x)));
      assertTrue(d < 1e-5, "GQA vs MHA max diff " + d);
      mha.close();
    }
    g.close();
  }

  private static org.bytedeco.pytorch.Device DEVICEcpu() {
    return EngineTestSupport.DEVICE.torchDevice();
  }

  @Test
  void packedRowsEqualSeparateDocuments() {
    LanguageModel m = MODELS.create(TinyModels.gqa(), 8);
    try (PointerScope s = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
      long[] a = {3, 9, 27, 17};
      long[] b = {5, 6, 7};
      // row: a, b, then one pad
      AttentionLayout layout = Masks.packed(new int[][] {{0, 0, 0, 0, 1, 1, 1, -1}});
      assertArrayEquals(new long[] {0, 1, 2, 3, 0, 1, 2, 0}, Tensors.toLongs(layout.positionIds()));
      Tensor packed = m.logits(ModelInput.of(ids(new long[] {3, 9, 27, 17, 5, 6, 7, 0}), layout));
      Tensor la = m.logits(ModelInput.causal(ids(a)));
      Tensor lb = m.logits(ModelInput.causal(ids(b)));
      assertTrue(maxDiff(packed.narrow(1, 0, 4), la) < 1e-5);
      assertTrue(maxDiff(packed.narrow(1, 4, 3), lb) < 1e-5);
    }
    m.close();
  }

  @Test
  void sharedPrefixScoresEqualSeparateRows() {
    LanguageModel m = MODELS.load(EngineTestSupport.hfLlama().resolve("tiny-llama3-gqa"),
        Models.LoadOptions.withScoreHead(4));
    assertEquals(1, m.config().scoreHeads());
    try (PointerScope s = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
      long[] prompt = {1, 40, 41, 42};
      long[] r1 = {50, 51, 52};
      long[] r2 = {60, 61};
      AttentionLayout layout = Masks.sharedPrefix(new int[] {4}, new int[][] {{3, 2}}, 10);
      assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 4, 5, 0}, Tensors.toLongs(layout.positionIds()));
      Tensor row = ids(new long[] {1, 40, 41, 42, 50, 51, 52, 60, 61, 0});
      long[][] ends = Masks.responseEnds(new int[] {4}, new int[][] {{3, 2}});
      assertArrayEquals(new long[] {6, 8}, ends[0]);
      float[] shared = Tensors.toFloats(Masks.gather(m.scores(ModelInput.of(row, layout)), ends));
      float sep1 = Tensors.toFloats(m.scores(ModelInput.causal(ids(new long[] {1, 40, 41, 42, 50, 51, 52})))
          .narrow(1, 6, 1))[0];
      float sep2 = Tensors.toFloats(m.scores(ModelInput.causal(ids(new long[] {1, 40, 41, 42, 60, 61})))
          .narrow(1, 5, 1))[0];
      assertEquals(sep1, shared[0], 1e-5);
      assertEquals(sep2, shared[1], 1e-5);
      // the shared-prefix row must differ from a plain causal row for the second response (it skips response 1)
      float causal2 = Tensors.toFloats(m.scores(ModelInput.causal(row)).narrow(1, 8, 1))[0];
      assertTrue(Math.abs(causal2 - shared[1]) > 1e-4);
    }
    m.close();
  }

  @Test
  void saveLoadRoundTripIsBitIdentical(@TempDir Path tmp) throws Exception {
    LanguageModel m = MODELS.load(EngineTestSupport.hfLlama().resolve("tiny-llama2-mha-tied"));
    MODELS.save(m, tmp.resolve("single"));
    MODELS.save(m, tmp.resolve("sharded"), new Models.SaveOptions(null, 100_000));
    assertTrue(Files.exists(tmp.resolve("sharded/model.safetensors.index.json")));
    assertTrue(Files.exists(tmp.resolve("sharded/model-00002-of-00004.safetensors")));
    for (String d : List.of("single", "sharded")) {
      LanguageModel back = MODELS.load(tmp.resolve(d));
      assertEquals(m.config(), back.config());
      assertEquals(m.parameters().keySet(), back.parameters().keySet());
      for (String name : m.parameters().keySet()) {
        assertTrue(torch.equal(m.parameters().get(name), back.parameters().get(name)), d + " " + name);
      }
      back.close();
    }
    // bf16: stored values are the bf16 roundings; a second round trip changes nothing
    MODELS.save(m, tmp.resolve("bf16"), new Models.SaveOptions("bfloat16", 0));
    LanguageModel b1 = MODELS.load(tmp.resolve("bf16"));
    assertEquals("bfloat16", b1.config().dtype());
    Tensor w = m.parameters().get("model.embed_tokens.weight");
    Tensor expect = w.to(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16)
        .to(org.bytedeco.pytorch.global.torch.ScalarType.Float);
    assertTrue(torch.equal(expect, b1.parameters().get("model.embed_tokens.weight")));
    MODELS.save(b1, tmp.resolve("bf16b"));
    assertArrayEquals(Files.readAllBytes(tmp.resolve("bf16/model.safetensors")),
        Files.readAllBytes(tmp.resolve("bf16b/model.safetensors")));
    b1.close();
    m.close();
  }

  @Test
  void generatorLogprobsEqualForwardLogprobs() {
    LanguageModel m = MODELS.load(EngineTestSupport.hfLlama().resolve("tiny-llama3-gqa"));
    LocalGenerator gen = new LocalGenerator();
    List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {1, 9, 8, 7, 6, 5, 4}, new int[] {300});
    List<Generation> out = gen.generate(m, prompts, Sampling.sample(24, 1.0, 0.95, 42).withTopK(50));
    List<int[]> seqs = new ArrayList<>();
    for (Generation g : out) {
      seqs.add(g.sequence());
    }
    List<float[]> batched = gen.logprobs(m, seqs, 3);
    double worst = 0;
    try (PointerScope s = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
      for (int i = 0; i < out.size(); i++) {
        Generation g = out.get(i);
        assertEquals(24, g.tokens().length);
        // the training forward pass over the unpadded sequence
        float[] fwd = Tensors.toFloats(m.tokenLogprobs(ModelInput.causal(Tensors.ids(g.sequence()))));
        for (int t = 0; t < g.tokens().length; t++) {
          int at = g.prompt().length - 1 + t;
          worst = Math.max(worst, Math.abs(fwd[at] - g.logprobs()[t]));
          assertEquals(fwd[at], g.logprobs()[t], 1e-5, "row " + i + " token " + t);
          assertEquals(fwd[at], batched.get(i)[at], 1e-5);
        }
      }
    }
    System.out.printf("generator vs forward log-prob max abs diff %.3g%n", worst);
    // same seed, same tokens; a different seed, different tokens
    List<Generation> again = gen.generate(m, prompts, Sampling.sample(24, 1.0, 0.95, 42).withTopK(50));
    List<Generation> other = gen.generate(m, prompts, Sampling.sample(24, 1.0, 0.95, 43).withTopK(50));
    for (int i = 0; i < out.size(); i++) {
      assertArrayEquals(out.get(i).tokens(), again.get(i).tokens());
    }
    assertTrue(!java.util.Arrays.equals(out.get(1).tokens(), other.get(1).tokens()));
    // a row's tokens do not depend on the batch it was in
    List<Generation> alone = gen.generate(m, List.of(prompts.get(1)), Sampling.sample(24, 1.0, 0.95, 42).withTopK(50));
    assertTrue(alone.get(0).tokens().length > 0);
    m.close();
  }

  @Test
  void cachedGreedyEqualsUncachedAndStopsAtStopToken() {
    LanguageModel m = MODELS.create(TinyModels.gqa().withRope(500000, org.align4j.api.model.RopeScaling.llama31()), 77);
    LocalGenerator gen = new LocalGenerator();
    List<int[]> prompts = List.of(new int[] {1, 2, 3, 4, 5, 6}, new int[] {7}, new int[] {9, 10, 11});
    List<Generation> a = gen.generate(m, prompts, Sampling.greedy(20).withCache(true));
    List<Generation> b = gen.generate(m, prompts, Sampling.greedy(20).withCache(false));
    for (int i = 0; i < prompts.size(); i++) {
      assertArrayEquals(b.get(i).tokens(), a.get(i).tokens(), "row " + i);
    }
    int stop = a.get(0).tokens()[3];
    List<Generation> c = gen.generate(m, prompts.subList(0, 1), Sampling.greedy(20).withStopTokens(java.util.Set.of(stop)));
    assertTrue(c.get(0).stopped());
    int firstStop = 0;
    while (a.get(0).tokens()[firstStop] != stop) {
      firstStop++;
    }
    assertEquals(firstStop + 1, c.get(0).tokens().length);
    m.close();
  }

  @Test
  void rowSamplesDoNotDependOnBatchSizeOrPositionAndSharedPrefillsMatch() {
    LanguageModel m = MODELS.load(EngineTestSupport.hfLlama().resolve("tiny-llama3-gqa"));
    LocalGenerator gen = new LocalGenerator();
    int[] a = {1, 9, 8, 7, 6, 5, 4};
    // K = 3 samples of one prompt (one shared prefill when they are in one batch), prompts of other lengths around
    List<int[]> prompts = List.of(new int[] {300}, a, a, a, new int[] {1, 2, 3}, new int[] {5, 6});
    for (Sampling base : List.of(Sampling.sample(16, 1.0, 1.0, 7), Sampling.sample(16, 0.8, 0.9, 7).withTopK(40),
        Sampling.greedy(16))) {
      List<Generation> ref = gen.generate(m, prompts, base.withBatchSize(1));
      for (int bs : new int[] {2, 4, 6}) {
        List<Generation> got = gen.generate(m, prompts, base.withBatchSize(bs));
        for (int i = 0; i < prompts.size(); i++) {
          assertArrayEquals(ref.get(i).tokens(), got.get(i).tokens(), "batch " + bs + " row " + i + " " + base);
          for (int t = 0; t < ref.get(i).tokens().length; t++) {
            assertEquals(ref.get(i).logprobs()[t], got.get(i).logprobs()[t], 1e-5);
          }
        }
      }
      if (base.temperature() > 0) {
        // equal prompts at different indices draw from different streams
        assertTrue(!java.util.Arrays.equals(ref.get(1).tokens(), ref.get(2).tokens()));
      }
    }
    m.close();
  }
}
