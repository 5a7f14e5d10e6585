package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.engine.OptimizerOptions;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainerOptions;
import org.align4j.api.engine.TrainingDivergedException;
import org.align4j.api.loss.LossResult;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.engine.train.AdamW;
import org.align4j.core.engine.train.LocalTrainer;
import org.align4j.core.engine.train.Schedule;
import org.align4j.testkit.TinyModels;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  static final int[][] DATA = TinyModels.data(24, 12, 64, 5);

  static TrainerOptions opts() {
    return TrainerOptions.defaults(3e-3).withSchedule("cosine", 2, 0, 0.1).withAdamW(0.1, 0.9, 0.95, 1e-8)
        .withGradClip(1.0).withBatch(4, 2).withLength(0, 8).withSeed(11).withCheckpointEvery(2);
  }

  record Run(List<Double> losses, Map<String, Tensor> params) {}

  static Trainer.Job job(LanguageModel m, Path dir, Trainer.StepFunction f, List<double[]> metrics) {
    return new Trainer.Job(m.parameters(), DATA.length, f, opts(), dir,
        (name, value, step) -> {
          if (name.equals("train/loss")) {
            metrics.add(new double[] {step, value});
          }
        }, null, null);
  }

  @Test
  void killedRunResumesToBitwiseIdenticalLosses(@TempDir Path tmp) {
    // uninterrupted
    List<Double> full;
    LanguageModel a = EngineTestSupport.MODELS.create(TinyModels.gqa(), 3);
    List<double[]> ma = new ArrayList<>();
    full = new LocalTrainer().train(job(a, tmp.resolve("a"), s -> TinyModels.sftLoss(a, DATA, s.indices()), ma)).losses();
    assertEquals(8, full.size());
    assertTrue(full.get(7) < full.get(0), "loss should fall: " + full);

    // crashes in step 5 (after the checkpoint at step 4)
    LanguageModel b = EngineTestSupport.MODELS.create(TinyModels.gqa(), 3);
    Path dirB = tmp.resolve("b");
    RuntimeException crash = assertThrows(IllegalStateException.class, () -> new LocalTrainer().train(
        job(b, dirB, s -> {
          if (s.step() == 5) {
            throw new IllegalStateException("simulated crash");
          }
          return TinyModels.sftLoss(b, DATA, s.indices());
        }, new ArrayList<>())));
    assertEquals("simulated crash", crash.getMessage());
    b.close();

    // a new model with different initial weights and a new trainer resume from the checkpoint
    LanguageModel c = EngineTestSupport.MODELS.create(TinyModels.gqa(), 99);
    Trainer.TrainResult rc = new LocalTrainer().train(job(c, dirB, s -> TinyModels.sftLoss(c, DATA, s.indices()),
        new ArrayList<>()));
    assertEquals(4, rc.resumedFrom());
    assertEquals(4, rc.losses().size());
    for (int i = 0; i < 4; i++) {
      assertEquals(Double.doubleToRawLongBits(full.get(4 + i)), Double.doubleToRawLongBits(rc.losses().get(i)),
          "step " + (4 + i) + ": " + full.get(4 + i) + " vs " + rc.losses().get(i));
    }
    for (String name : a.parameters().keySet()) {
      assertTrue(torch.equal(a.parameters().get(name), c.parameters().get(name)), name);
    }
    a.close();
    c.close();
  }

  @Test
  void nanLossStopsAndKeepsLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
    LanguageModel m = EngineTestSupport.MODELS.create(TinyModels.gqa(), 3);
    TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> new LocalTrainer().train(
        job(m, tmp, s -> {
          LossResult r = TinyModels.sftLoss(m, DATA, s.indices());
          return s.step() == 3 ? new LossResult(r.loss().mul(new Scalar(Double.NaN)), Map.of()) : r;
        }, new ArrayList<>())));
    assertEquals(3, e.step());
    assertNotNull(e.lastGoodCheckpoint());
    assertTrue(e.getMessage().contains("step-00000002"), e.getMessage());
    assertEquals("step-00000002", Files.readString(tmp.resolve("latest")).trim());
    assertTrue(Files.readString(e.lastGoodCheckpoint().resolve("trainer.json")).contains("\"step\" : 2"));
    m.close();
  }

  @Test
  void scheduleWarmupCosineFloor() {
    TrainerOptions o = TrainerOptions.defaults(1.0).withSchedule("cosine", 2, 0, 0.1);
    Schedule s = new Schedule(o.optimizer(), 12);
    assertEquals(0.5, s.lr(0), 1e-12);
    assertEquals(1.0, s.lr(2), 1e-12);
    // halfway through the decay (step 2 + 5 of 10): 0.1 + 0.9 * 0.5 * (1 + cos(pi/2)) = 0.55
    assertEquals(0.55, s.lr(7), 1e-12);
    assertEquals(0.1, s.lr(12), 1e-12);
    // Llama 2 RM: warm-up 3% of steps, minimum 5
    assertEquals(5, new Schedule(TrainerOptions.defaults(1).withSchedule("cosine", 5, 0.03, 0.1).optimizer(), 100).warmupSteps());
    assertEquals(30, new Schedule(TrainerOptions.defaults(1).withSchedule("cosine", 5, 0.03, 0.1).optimizer(), 1000).warmupSteps());
    assertEquals(1.0, new Schedule(TrainerOptions.defaults(1.0).optimizer(), 10).lr(9), 0);
  }

  @Test
  void adamwMatchesHandComputedUpdate() {
    // p = [1, -2] (a 2-D tensor so decay applies), grad = [0.5, -1], lr 0.1, wd 0.1, betas 0.9/0.999, eps 1e-8
    try (PointerScope s = new PointerScope()) {
      Tensor p = Tensors.floats(new float[] {1f, -2f}, 1, 2).requires_grad_(true);
      Tensor grad = Tensors.floats(new float[] {0.5f, -1f}, 1, 2);
      TrainerOptions o = TrainerOptions.defaults(0.1).withAdamW(0.1, 0.9, 0.999, 1e-8);
      AdamW opt = new AdamW(Map.of("p", p), o.optimizer(), 10);
      p.mutable_grad().put(grad.clone());
      opt.step();
      // step 1: m = 0.1 g, v = 0.001 g^2, mhat = g, vhat = g^2 -> update = lr * g / (|g| + eps) = 0.1 * sign(g)
      // decoupled decay first: p * (1 - 0.01)
      float[] after = Tensors.toFloats(p);
      assertEquals(1 * 0.99 - 0.1, after[0], 1e-6);
      assertEquals(-2 * 0.99 + 0.1, after[1], 1e-6);
      // step 2 with the same grad: m = 0.19 g, v = 0.001999 g^2; mhat = g, vhat = g^2 -> again 0.1 * sign(g)
      p.mutable_grad().put(grad.clone());
      opt.step();
      after = Tensors.toFloats(p);
      assertEquals((1 * 0.99 - 0.1) * 0.99 - 0.1, after[0], 1e-6);
      opt.close();
    }
  }
  @Test
  void adamwUsesTheOptionsBetasAndEps() {
    // a 1-D parameter (no decay), lr 1, betas 0.5/0.8, eps 0.5; gradients 1 then -1.
    // step 1: mhat = 1, vhat = 1 -> p = -1 / (1 + 0.5) = -2/3
    // step 2: mhat = (0.5 * 1 - 1) / 1.5 = -1/3, vhat = (0.8 + 1) / 1.8 = 1 -> p += (1/3) / 1.5 = 2/9
    // (with the default betas 0.9/0.95 and eps 1e-8 the same steps give -1 then -0.947)
    OptimizerOptions o = OptimizerOptions.constant(1.0).withAdamW(0, 0.5, 0.8, 0.5);
    try (PointerScope s = new PointerScope()) {
      Tensor p = Tensors.floats(new float[] {0f}, 1).requires_grad_(true);
      try (Trainer.Optimizer opt = new LocalTrainer().optimizer(Map.of("p", p), o, 10)) {
        p.mutable_grad().put(Tensors.floats(new float[] {1f}, 1));
        opt.step();
        assertEquals(-2.0 / 3, Tensors.toFloats(p)[0], 1e-6);
        p.mutable_grad().put(Tensors.floats(new float[] {-1f}, 1));
        opt.step();
        assertEquals(-2.0 / 3 + 2.0 / 9, Tensors.toFloats(p)[0], 1e-6);
      }
    }
  }
}
