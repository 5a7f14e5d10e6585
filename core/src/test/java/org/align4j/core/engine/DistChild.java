package org.align4j.core.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.align4j.api.engine.Trainer;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.engine.io.SafeTensors;
import org.align4j.core.engine.train.LocalTrainer;
import org.align4j.testkit.TinyModels;

/**
 * One rank of {@link DataParallelTest}, started like the launcher starts workers (RANK, WORLD_SIZE, MASTER_ADDR,
 * MASTER_PORT in the environment). The job names no GradientSync: the trainer joins the launch's process group and
 * broadcasts rank 0's weights itself. Arguments: the output file, then optionally the ZeRO stage (default 0), the
 * steps (default 2) and a checkpoint directory (default none). Writes the trained weights, how many examples this
 * rank computed ({@code .examples}) and the optimiser-state bytes it held ({@code .state-bytes}).
 */
public final class DistChild {
  private DistChild() {}

  public static void main(String[] args) throws Exception {
    int rank = Integer.parseInt(System.getenv().getOrDefault("RANK", "0"));
    int zero = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Path ckpt = args.length > 3 ? Path.of(args[3]) : null;
    LanguageModel m = EngineTestSupport.MODELS.create(TinyModels.gqa(), 10 + rank); // different per rank until broadcast
    var seen = new AtomicInteger();
    LocalTrainer trainer = new LocalTrainer(zero);
    trainer.train(new Trainer.Job(m.parameters(), DataParallelTest.DATA.length, s -> {
      seen.addAndGet(s.indices().length);
      return TinyModels.sftLoss(m, DataParallelTest.DATA, s.indices());
    }, DataParallelTest.options(4, steps), ckpt, null, null, null));
    SafeTensors.write(Path.of(args[0]), m.parameters(), Map.of());
    Files.writeString(Path.of(args[0] + ".examples"), String.valueOf(seen.get()));
    Files.writeString(Path.of(args[0] + ".state-bytes"), String.valueOf(trainer.optimizerStateBytes()));
  }
}
