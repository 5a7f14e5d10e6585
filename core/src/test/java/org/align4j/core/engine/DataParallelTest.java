package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainerOptions;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.engine.io.SafeTensors;
import org.align4j.core.engine.train.LocalTrainer;
import org.align4j.testkit.TinyModels;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * N Gloo ranks sharing the global batch B take the same steps as one process with batch B: with N = 2 each rank
 * computes half of every micro-batch, with N = 3 the shards are uneven (1, 1, 2 of 4) and the loss weighting makes
 * the averaged gradient the one process's.
 */
class DataParallelTest {
  static final int[][] DATA = TinyModels.data(8, 10, 64, 4);

  /** eps 1 makes Adam's first update proportional to the gradient (not its sign), so averaging errors show. */
  static TrainerOptions options(int batch) {
    return TrainerOptions.defaults(0.5).withAdamW(0, 0.9, 0.95, 1.0).withBatch(batch, 1).withLength(0, 2).withSeed(3);
  }

  @Test
  void twoRanksEqualOneProcess(@TempDir Path tmp) throws Exception {
    ranksEqualOneProcess(tmp, 2);
  }

  @Test
  void threeRanksWithUnevenShardsEqualOneProcess(@TempDir Path tmp) throws Exception {
    ranksEqualOneProcess(tmp, 3);
  }

  private void ranksEqualOneProcess(Path tmp, int world) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> ranks = new ArrayList<>();
    for (int r = 0; r < world; r++) {
      ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          "-Dorg.bytedeco.javacpp.logger=slf4j", DistChild.class.getName(), tmp.resolve("rank" + r + ".safetensors").toString())
          .redirectErrorStream(true).redirectOutput(tmp.resolve("rank" + r + ".log").toFile());
      pb.environment().put("RANK", String.valueOf(r));
      pb.environment().put("WORLD_SIZE", String.valueOf(world));
      pb.environment().put("ALIGN4J_THREADS", "1");
      pb.environment().put("OMP_NUM_THREADS", "1");
      pb.environment().put("MASTER_ADDR", "127.0.0.1");
      pb.environment().put("MASTER_PORT", String.valueOf(port));
      ranks.add(pb.start());
    }
    for (int r = 0; r < world; r++) {
      assertTrue(ranks.get(r).waitFor(180, TimeUnit.SECONDS), "rank " + r + " hung");
      assertEquals(0, ranks.get(r).exitValue(), "rank " + r + ": " + Files.readString(tmp.resolve("rank" + r + ".log")));
    }
    LanguageModel single = EngineTestSupport.MODELS.create(TinyModels.gqa(), 10);
    LanguageModel init = EngineTestSupport.MODELS.copy(single, false);
    int[] seen = {0};
    new LocalTrainer().train(new Trainer.Job(single.parameters(), DATA.length, s -> {
      seen[0] += s.indices().length;
      return TinyModels.sftLoss(single, DATA, s.indices());
    }, options(4), null, null, null, null));
    // each rank computed its shard only: together what the one process computed, no rank all of it
    int together = 0;
    for (int r = 0; r < world; r++) {
      int n = Integer.parseInt(Files.readString(tmp.resolve("rank" + r + ".safetensors.examples")).trim());
      assertTrue(n > 0 && n < seen[0], "rank " + r + " computed " + n + " of " + seen[0] + " examples");
      together += n;
    }
    assertEquals(seen[0], together, "examples computed by all ranks together");
    Map<String, Tensor> r0 = SafeTensors.read(tmp.resolve("rank0.safetensors"));
    Map<String, Tensor> last = SafeTensors.read(tmp.resolve("rank" + (world - 1) + ".safetensors"));
    double worst = 0;
    double moved = 0;
    for (String name : single.parameters().keySet()) {
      Tensor p = single.parameters().get(name);
      worst = Math.max(worst, p.sub(r0.get(name)).abs().max().item_double());
      assertTrue(org.bytedeco.pytorch.global.torch.equal(r0.get(name), last.get(name)), "ranks differ: " + name);
      moved = Math.max(moved, p.sub(init.parameters().get(name)).abs().max().item_double());
    }
    assertTrue(moved > 1e-3, "parameters did not move: " + moved);
    System.out.printf("%d ranks vs 1 process, global batch 4: max param diff %.3g (params moved up to %.3g)%n", world,
        worst, moved);
    assertTrue(worst < 1e-5, world + " ranks vs 1 process, global batch 4: max param diff " + worst);
    single.close();
    init.close();
  }
}
