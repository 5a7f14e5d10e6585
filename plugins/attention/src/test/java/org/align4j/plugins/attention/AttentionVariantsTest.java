package org.align4j.plugins.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.bytedeco.javacpp.PointerScope;
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

  @Test
  void gqaWithAsManyKvHeadsAsHeadsIsMha() {
    LocalModels models = new LocalModels(TorchDevice.cpu(1));
    int heads = 4;
    ModelConfig base = ModelConfig.llama(64, 32, 2, heads, heads).withIntermediateSize(48);
    int kvGqa = new GroupedQueryAttention().keyValueHeads(heads, new GroupedQueryAttention.Options(heads));
    int kvMha = new MultiHeadAttention().keyValueHeads(heads, new NoOptions());
    try (LanguageModel a = models.create(base.withKeyValueHeads(kvGqa), 9);
        LanguageModel b = models.create(base.withKeyValueHeads(kvMha), 9);
        PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Tensor ids = Tensors.longs(new long[] {1, 2, 3, 4, 5, 6}, 1, 6);
      assertTrue(org.bytedeco.pytorch.global.torch.equal(a.logits(ModelInput.causal(ids)), b.logits(ModelInput.causal(ids))));
    }
  }
}
