package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.api.engine.Generator.Generation;
import org.align4j.api.engine.Generator.Sampling;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.generate.LocalGenerator;
import org.align4j.core.engine.io.SafeTensors;
import org.align4j.testkit.Repo;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shapes the transformers fixtures lack (MQA, head dims 4/6/12/16, linear and Llama 3.1 scaling with positions past
 * the original context, bf16 weights) against tools/reference/llama_reference.py (plain PyTorch 1.13, Hugging Face
 * conventions; it reproduces the transformers fixtures to 3e-6).
 */
class PythonReferenceTest {
  static final Path DIR = Repo.root().resolve("tools/reference/engine-ref");
  static final Map<String, Tensor> REFS = SafeTensors.read(DIR.resolve("refs.safetensors"));

  @ParameterizedTest
  @ValueSource(strings = {"mqa-hd12", "gqa-hd6-linear-tied", "gqa-hd16-llama31", "mha-hd4-bf16"})
  void logitsAndGreedyMatchReference(String name) {
    try (LanguageModel m = EngineTestSupport.MODELS.load(DIR.resolve(name))) {
      for (int i = 0; i < 2; i++) {
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
          Tensor ids = REFS.get(name + ".input_" + i).unsqueeze(0);
          Tensor pos = REFS.get(name + ".positions_" + i).unsqueeze(0);
          Tensor ours = m.logits(new ModelInput(ids, pos, null)).squeeze(0);
          double err = ours.sub(REFS.get(name + ".logits_" + i)).abs().max().item_double();
          System.out.printf("engine-ref %s case %d: max abs logit error vs python reference %.3g%n", name, i, err);
          assertTrue(err < 1e-4, name + " case " + i + ": max abs error " + err);
        }
        long[] pos = Tensors.toLongs(REFS.get(name + ".positions_" + i));
        if (pos[0] == 0) {
          long[] input = Tensors.toLongs(REFS.get(name + ".input_" + i));
          int[] prompt = new int[input.length];
          for (int k = 0; k < prompt.length; k++) {
            prompt[k] = (int) input[k];
          }
          List<Generation> out = new LocalGenerator().generate(m, List.of(prompt), Sampling.greedy(8));
          long[] ours = java.util.Arrays.stream(out.get(0).sequence()).asLongStream().toArray();
          assertArrayEquals(Tensors.toLongs(REFS.get(name + ".greedy_" + i)), ours, name + " greedy " + i);
        }
      }
    }
  }
}
