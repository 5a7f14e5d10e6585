package org.align4j.core.engine;

import java.nio.file.Path;
import java.util.Map;
import org.align4j.api.engine.Trainer;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.engine.dist.DataParallel;
import org.align4j.core.engine.io.SafeTensors;
import org.align4j.core.engine.train.LocalTrainer;

/** One rank of {@link DataParallelTest}: joins from RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT, trains, saves. */
public final class DistChild {
  private DistChild() {}

  public static void main(String[] args) {
    try (DataParallel dp = DataParallel.fromEnvironment()) {
      LanguageModel m = EngineTestSupport.MODELS.create(TinyModels.gqa(), 10 + dp.rank()); // different per rank...
      dp.broadcast(m.parameters()); // ...until rank 0's weights are broadcast
      new LocalTrainer().train(new Trainer.Job(m.parameters(), DataParallelTest.DATA.length,
          s -> TinyModels.sftLoss(m, DataParallelTest.DATA, s.indices()), DataParallelTest.options(2), null, null, null,
          dp));
      SafeTensors.write(Path.of(args[0]), m.parameters(), Map.of());
      dp.barrier();
    }
  }
}
