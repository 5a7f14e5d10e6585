package org.align4j.plugins.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.align4j.api.NoOptions;
import org.align4j.api.model.AttentionVariant;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.Tensors;
import org.align4j.core.engine.TorchDevice;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class AttentionVariantsTest {
  @Test
  void providersAreRegisteredWithTheirHeadCounts() {
    Map<String, AttentionVariant<?>> byId = new TreeMap<>();
    for (AttentionVariant<?> v : ServiceLoader.load(AttentionVariant.class)) {
      byId.put(v.id(), v);
    }
    assertEquals(java.util.Set.of("gqa", "mha", "mqa"), byId.keySet());
    assertEquals(32, new MultiHeadAttention().keyValueHeads(32, new NoOptions()));
    assertEquals(1, new MultiQueryAttention().keyValueHeads(32, new NoOptions()));
    assertEquals(8, new GroupedQueryAttention().keyValueHeads(32, new GroupedQueryAttention.Options(8)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new GroupedQueryAttention().keyValueHeads(12, new GroupedQueryAttention.Options(5)));
    assertTrue(e.getMessage().contains("1, 2, 3, 4, 6, 12"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new GroupedQueryAttention.Options(0));
  }

  /**
   * The bundled variants only choose the key/value sharing: no visibility of their own, so their models run the
   * fused causal kernels and are not recorded in config.json (plain Hugging Face checkpoints).
   */
  @Test
  void bundledVariantsLeaveVisibilityToCausalOrderAndTheInput() {
    assertNull(new MultiHeadAttention().visibility(new NoOptions()));
    assertNull(new MultiQueryAttention().visibility(new NoOptions()));
    assertNull(new GroupedQueryAttention().visibility(new GroupedQueryAttention.Options(8)));
  }

  /**
   * GQA's key/value sharing against an explicit reference: a GQA model with 2 key/value heads for 6 query heads
   * computes what an MHA model computes when its key/value projections are GQA's, each key/value head repeated
   * for the 3 query heads of its group (Hugging Face's {@code repeat_kv}: query head h reads key/value head
   * h / 3). Checked through the model forward, causal (fused GQA kernel) and packed (explicit mask) inputs;
   * the same weights tiled in the other order (query head h reading h % 2) must not match.
   */
  @Test
  void gqaSharesEachKeyValueHeadWithItsGroupOfQueryHeads() {
    LocalModels models = new LocalModels(TorchDevice.cpu(1));
    int heads = 6;
    int kv = new GroupedQueryAttention().keyValueHeads(heads, new GroupedQueryAttention.Options(2));
    assertEquals(2, kv);
    int group = heads / kv;
    ModelConfig base = ModelConfig.llama(64, 48, 2, heads, heads).withIntermediateSize(64);
    try (LanguageModel gqa = models.create(base.withKeyValueHeads(kv), 9);
        LanguageModel mha = models.create(base.withKeyValueHeads(new MultiHeadAttention().keyValueHeads(heads, new NoOptions())), 10);
        LanguageModel tiled = models.create(base.withKeyValueHeads(heads), 11);
        PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      int headDim = gqa.config().headDim();
      for (var e : mha.parameters().entrySet()) {
        Tensor w = gqa.parameters().get(e.getKey());
        boolean kvProj = e.getKey().endsWith("k_proj.weight") || e.getKey().endsWith("v_proj.weight");
        if (!kvProj) {
          e.getValue().copy_(w);
          tiled.parameters().get(e.getKey()).copy_(w);
          continue;
        }
        long d = w.size(1);
        Tensor perHead = w.reshape(kv, headDim, d);
        e.getValue().copy_(perHead.repeat_interleave(group, new LongOptional(0), new LongOptional()).reshape(heads * headDim, d));
        tiled.parameters().get(e.getKey()).copy_(perHead.repeat(group, 1, 1).reshape(heads * headDim, d));
      }
      Tensor ids = Tensors.longs(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 1, 10);
      for (ModelInput in : new ModelInput[] {ModelInput.causal(ids), ModelInput.of(ids, Masks.packed(new int[][] {{0, 0, 0, 0, 1, 1, 1, 1, 1, 1}}))}) {
        Tensor want = mha.logits(in);
        Tensor got = gqa.logits(in);
        double diff = got.sub(want).abs().max().item_double();
        assertTrue(diff < 1e-5, "GQA vs MHA with repeated key/value weights: max |diff| " + diff);
        double scale = want.abs().max().item_double();
        double wrong = tiled.logits(in).sub(want).abs().max().item_double();
        assertTrue(wrong > 1e-3 * scale, "the other sharing order must differ (the check can fail): " + wrong);
      }
    }
  }
}
