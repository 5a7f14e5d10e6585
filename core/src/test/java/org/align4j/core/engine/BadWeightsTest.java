package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.align4j.api.Align4jException;
import org.align4j.api.engine.Models;
import org.align4j.core.engine.io.SafeTensors;
import org.align4j.testkit.TinyModels;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15 items 8 and 9: a non-finite weight or an integer tensor where a float weight belongs is refused by name. */
class BadWeightsTest {
  @TempDir Path dir;

  Path variant(String name, String tensor, UnaryOperator<Tensor> change) throws Exception {
    Path src = EngineTestSupport.hfLlama().resolve("tiny-llama3-gqa");
    Path out = Files.createDirectories(dir.resolve(name));
    Files.copy(src.resolve("config.json"), out.resolve("config.json"));
    Map<String, Tensor> w = new LinkedHashMap<>(SafeTensors.read(src.resolve("model.safetensors")));
    w.put(tensor, change.apply(w.get(tensor)));
    SafeTensors.write(out.resolve("model.safetensors"), w, Map.of("format", "pt"));
    return out;
  }

  String refused(Path model) {
    return assertThrows(Align4jException.class,
        () -> EngineTestSupport.MODELS.load(model, Models.LoadOptions.frozen()).close()).getMessage();
  }

  @Test
  void nonFiniteWeightIsNamed() throws Exception {
    String t = "model.layers.0.mlp.down_proj.weight";
    Path nan = variant("nan", t, x -> {
      Tensor c = x.clone();
      c.view(-1).narrow(0, 3, 1).fill_(new Scalar(Double.NaN));
      return c;
    });
    String m = refused(nan);
    assertTrue(m.contains(t) && m.contains("NaN"), m);
    Path inf = variant("inf", t, x -> x.mul(new Scalar(Double.POSITIVE_INFINITY)));
    m = refused(inf);
    assertTrue(m.contains(t), m);
  }

  @Test
  void integerTensorForAFloatWeightIsNamed() throws Exception {
    String t = "model.norm.weight";
    Path i32 = variant("i32", t, x -> x.to(org.bytedeco.pytorch.global.torch.ScalarType.Int));
    String m = refused(i32);
    assertTrue(m.contains(t) && m.contains("floating"), m);
  }

  @Test
  void nonFiniteLogitsInGenerationAreReported() {
    var m = EngineTestSupport.MODELS.create(TinyModels.gqa(), 3);
    try {
      var w = m.parameters().get("model.norm.weight");
      try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
        w.fill_(new Scalar(Double.NaN));
      }
      var sampling = new org.align4j.api.engine.Generator.Sampling(4, 0, 0, 1, java.util.Set.of(), 0, true, 1);
      var e = assertThrows(Align4jException.class,
          () -> new org.align4j.core.engine.generate.LocalGenerator().generate(m, java.util.List.of(new int[] {1, 2}), sampling));
      assertTrue(e.getMessage().contains("non-finite logits"), e.getMessage());
    } finally {
      m.close();
    }
  }
}
