package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainerOptions;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.engine.train.LocalTrainer;
import org.align4j.testkit.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A child JVM is killed with SIGKILL mid-run; resuming from its checkpoint gives bitwise the uninterrupted losses. */
class KillResumeTest {
  static TrainerOptions options() {
    return TrainerTest.opts().withLength(0, 16).withCheckpointEvery(2);
  }

  @Test
  void killNineThenResume(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("ckpt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "-Dorg.bytedeco.javacpp.logger=slf4j", TrainChild.class.getName(), dir.toString())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Path latest = dir.resolve("latest");
    while (System.nanoTime() < deadline && child.isAlive()) {
      if (Files.exists(latest) && Files.readString(latest).trim().compareTo("step-00000006") >= 0) {
        break;
      }
      Thread.sleep(20);
    }
    assertTrue(child.isAlive(), "child ended before it could be killed: " + Files.readString(tmp.resolve("child.log")));
    child.destroyForcibly(); // SIGKILL on Linux
    child.waitFor(30, TimeUnit.SECONDS);
    String killedAt = Files.readString(latest).trim();
    assertTrue(killedAt.compareTo("step-00000016") < 0, "killed after finishing: " + killedAt);

    LanguageModel resumed = EngineTestSupport.MODELS.create(TinyModels.gqa(), 1234);
    Trainer.TrainResult r = new LocalTrainer().train(new Trainer.Job(resumed.parameters(), TrainerTest.DATA.length,
        s -> TinyModels.sftLoss(resumed, TrainerTest.DATA, s.indices()), options(), dir, null, null, null));
    assertTrue(r.resumedFrom() >= 6, "resumed from " + r.resumedFrom());

    LanguageModel ref = EngineTestSupport.MODELS.create(TinyModels.gqa(), 3);
    List<Double> full = new LocalTrainer().train(new Trainer.Job(ref.parameters(), TrainerTest.DATA.length,
        s -> TinyModels.sftLoss(ref, TrainerTest.DATA, s.indices()), options(), null, null, null, null)).losses();
    for (int i = 0; i < r.losses().size(); i++) {
      long step = r.resumedFrom() + i;
      assertEquals(Double.doubleToRawLongBits(full.get((int) step)), Double.doubleToRawLongBits(r.losses().get(i)),
          "step " + step);
    }
    resumed.close();
    ref.close();
  }
}
