package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.api.engine.Models;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.Align4j;
import org.align4j.core.pipeline.RunResult;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergeStageTest {
  @BeforeAll
  static void oneThread() {
    torch.set_num_threads(1);
  }

  static Tensor vec(double... v) {
    return Tensor.create(v, v.length);
  }

  @Test
  void weightedAverageByHand() {
    try (PointerScope s = new PointerScope()) {
      Tensor m = MergeStage.average(List.of(vec(1, 2, -4), vec(3, 6, 0)), new double[] {1, 3});
      assertArrayEquals(new double[] {2.5, 5.0, -1.0}, Tensors.toDoubles(m), 1e-12);
    }
  }

  /**
   * base 1; deltas d1 = (1, -2, 0.1, 3), d2 = (-1.5, -1, 0.2, 0.5); density 0.5 keeps the two largest magnitudes:
   * d1 -> (0, -2, 0, 3), d2 -> (-1.5, -1, 0, 0); elected signs (-, -, 0, +); agreeing means (-1.5, -1.5, 0, 3).
   */
  @Test
  void tiesByHand() {
    try (PointerScope s = new PointerScope()) {
      Tensor base = vec(1, 1, 1, 1);
      Tensor m = MergeStage.ties(base, List.of(vec(2, -1, 1.1, 4), vec(-0.5, 0, 1.2, 1.5)), new double[] {1, 1}, 0.5,
          1.0);
      assertArrayEquals(new double[] {-0.5, -0.5, 1.0, 4.0}, Tensors.toDoubles(m), 1e-12);
      // density 1 keeps every delta: signs (-, -, +, +) -> (-1.5, -1.5, 0.15, 1.75)
      Tensor all = MergeStage.ties(base, List.of(vec(2, -1, 1.1, 4), vec(-0.5, 0, 1.2, 1.5)), new double[] {1, 1}, 1.0,
          1.0);
      assertArrayEquals(new double[] {-0.5, -0.5, 1.15, 2.75}, Tensors.toDoubles(all), 1e-12);
    }
  }

  @Test
  void slerpByHand() {
    try (PointerScope s = new PointerScope()) {
      double h = Math.sqrt(0.5);
      assertArrayEquals(new double[] {h, h}, Tensors.toDoubles(MergeStage.slerp(vec(1, 0), vec(0, 1), 0.5)), 1e-12);
      assertArrayEquals(new double[] {Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)},
          Tensors.toDoubles(MergeStage.slerp(vec(1, 0), vec(0, 1), 1.0 / 3)), 1e-12);
      assertArrayEquals(new double[] {1, 0}, Tensors.toDoubles(MergeStage.slerp(vec(1, 0), vec(0, 1), 0)), 1e-12);
      assertArrayEquals(new double[] {1.5, 1.5}, Tensors.toDoubles(MergeStage.slerp(vec(1, 1), vec(2, 2), 0.5)), 1e-12,
          "parallel: linear");
    }
  }

  /** The stage on two tiny checkpoints: every tensor of the result is (1 a + 3 b) / 4. */
  @Test
  void stageAveragesCheckpoints(@TempDir Path tmp) throws Exception {
    Path a = Fixtures.tinyModel(tmp.resolve("a"), 1);
    Path b = Fixtures.tinyModel(tmp.resolve("b"), 2);
    org.align4j.toolkit.stage.ChatInputs.copyTokenizer(Fixtures.tokenizerDir(), a);
    RunResult r = Align4j.create().stage("merge").id("avg").input("model_1", a).input("model_2", b)
        .option("weights", List.of(1.0, 3.0)).defaults(Map.of("threads", 1)).runIn(tmp.resolve("run"));
    assertTrue(r.ok(), r.stages().toString());
    Path out = tmp.resolve("run/avg/model");
    assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
    assertEquals("average", StageFiles.readJson(out.resolve("merge.json")).get("method"));
    try (PointerScope s = new PointerScope();
        LanguageModel ma = Fixtures.MODELS.load(a, Models.LoadOptions.frozen());
        LanguageModel mb = Fixtures.MODELS.load(b, Models.LoadOptions.frozen());
        LanguageModel mm = Fixtures.MODELS.load(out, Models.LoadOptions.frozen())) {
      assertEquals(ma.parameters().keySet(), mm.parameters().keySet());
      for (String name : ma.parameters().keySet()) {
        double[] x = Tensors.toDoubles(ma.parameters().get(name));
        double[] y = Tensors.toDoubles(mb.parameters().get(name));
        double[] z = Tensors.toDoubles(mm.parameters().get(name));
        for (int i = 0; i < x.length; i++) {
          assertEquals((x[i] + 3 * y[i]) / 4, z[i], 1e-6, name + "[" + i + "]");
        }
      }
    }
    // slerp needs exactly two models; ties needs a base
    Path c = Fixtures.tinyModel(tmp.resolve("c"), 3);
    RunResult bad = Align4j.create().stage("merge").id("s").input("model_1", a).input("model_2", b)
        .input("model_3", c).option("method", "slerp").defaults(Map.of("threads", 1)).runIn(tmp.resolve("run2"));
    assertFalse(bad.ok());
    assertTrue(bad.stages().get(0).message().contains("slerp interpolates exactly two models"), bad.stages().toString());
    RunResult noBase = Align4j.create().stage("merge").id("t").input("model_1", a).input("model_2", b)
        .option("method", "ties").defaults(Map.of("threads", 1)).runIn(tmp.resolve("run3"));
    assertTrue(noBase.stages().get(0).message().contains("give the input 'base'"), noBase.stages().toString());
    RunResult ties = Align4j.create().stage("merge").id("t").input("base", c).input("model_1", a).input("model_2", b)
        .option("method", "ties").option("density", 0.5).defaults(Map.of("threads", 1)).runIn(tmp.resolve("run4"));
    assertTrue(ties.ok(), ties.stages().toString());
  }
}
