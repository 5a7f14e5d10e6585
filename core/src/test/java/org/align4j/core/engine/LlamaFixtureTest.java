package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.align4j.api.engine.Generator.Generation;
import org.align4j.api.engine.Generator.Sampling;
import org.align4j.core.engine.generate.LocalGenerator;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.io.SafeTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our forward pass against logits written by Hugging Face transformers (tests/fixtures/hf-llama). */
class LlamaFixtureTest {
  static final Map<String, Tensor> REFS = SafeTensors.read(EngineTestSupport.hfLlama().resolve("refs.safetensors"));

  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama3-gqa", "tiny-llama2-mha-tied"})
  void logitsMatchTransformers(String name) {
    try (LanguageModel m = EngineTestSupport.MODELS.load(EngineTestSupport.hfLlama().resolve(name));
        PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < 2; i++) {
        Tensor ids = REFS.get(name + ".input_" + i).unsqueeze(0);
        Tensor ref = REFS.get(name + ".logits_" + i);
        Tensor ours = m.logits(ModelInput.causal(ids)).squeeze(0);
        assertArrayEquals(Tensors.shape(ref), Tensors.shape(ours));
        double err = ours.sub(ref).abs().max().item_double();
        System.out.printf("hf-llama %s case %d: max abs logit error vs transformers %.3g%n", name, i, err);
        assertTrue(err < 1e-4, name + " case " + i + ": max abs error " + err);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama3-gqa", "tiny-llama2-mha-tied"})
  void greedyIdsMatchTransformers(String name) {
    LocalGenerator gen = new LocalGenerator();
    try (LanguageModel m = EngineTestSupport.MODELS.load(EngineTestSupport.hfLlama().resolve(name))) {
      for (boolean cache : new boolean[] {true, false}) {
        List<int[]> prompts = new java.util.ArrayList<>();
        List<long[]> refs = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
          long[] ref = Tensors.toLongs(REFS.get(name + ".greedy_" + i));
          long[] input = Tensors.toLongs(REFS.get(name + ".input_" + i));
          int[] prompt = new int[Math.min(input.length, 10)];
          for (int k = 0; k < prompt.length; k++) {
            prompt[k] = (int) input[k];
          }
          prompts.add(prompt);
          refs.add(ref);
        }
        // batched: the two prompts have different lengths (5 and 10), so the short one is left-padded
        List<Generation> out = gen.generate(m, prompts, Sampling.greedy(16).withCache(cache));
        for (int i = 0; i < 2; i++) {
          long[] ours = Arrays.stream(out.get(i).sequence()).asLongStream().toArray();
          assertArrayEquals(refs.get(i), ours, name + " case " + i + " cache=" + cache);
          assertEquals(16, out.get(i).logprobs().length);
        }
      }
    }
  }
}
