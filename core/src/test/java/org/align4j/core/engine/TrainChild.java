package org.align4j.core.engine;

import java.nio.file.Path;
import org.align4j.api.engine.Trainer;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.engine.train.LocalTrainer;
import org.align4j.testkit.TinyModels;

/** A training process for {@link KillResumeTest}: trains slowly so the parent can kill -9 it mid-run. */
public final class TrainChild {
  private TrainChild() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    LanguageModel m = EngineTestSupport.MODELS.create(TinyModels.gqa(), 3);
    new LocalTrainer().train(new Trainer.Job(m.parameters(), TrainerTest.DATA.length, s -> {
      try {
        Thread.sleep(150);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return TinyModels.sftLoss(m, TrainerTest.DATA, s.indices());
    }, KillResumeTest.options(), dir, null, null, null));
  }
}
