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
 * the averaged gradient the one process's. With ZeRO-1 ({@code defaults.zero: 1}) the same ranks reduce-scatter the
 * gradients, each updates its slice of the parameters with its slice of the moments and all-gather: the same
 * weights as plain data parallel and one process, with each rank holding 1/N of the optimiser state.
 */
class DataParallelTest {
  static final int[][] DATA = TinyModels.data(8, 10, 64, 4);

  /** eps 1 makes Adam's first update proportional to the gradient (not its sign), so averaging errors show. */
  static TrainerOptions options(int batch, int steps) {
    return TrainerOptions.defaults(0.5).withAdamW(0, 0.9, 0.95, 1.0).withBatch(batch, 1).withLength(0, steps)
        .withSeed(3);
  }

  /** What one launch of {@code world} ranks left: rank 0's and the last rank's weights, and per rank its counts. */
  private record Ranks(Map<String, Tensor> first, Map<String, Tensor> last, int[] examples, long[] stateBytes) {}

  @Test
  void twoRanksEqualOneProcess(@TempDir Path tmp) throws Exception {
    ranksEqualOneProcess(tmp, 2);
  }

  @Test
  void threeRanksWithUnevenShardsEqualOneProcess(@TempDir Path tmp) throws Exception {
    ranksEqualOneProcess(tmp, 3);
  }

  /**
   * ZeRO-1's checkpoint is the one-process format: written by 2 ZeRO ranks it resumes on one process, and one
   * process's resumes on 3 ZeRO ranks (uneven slices), both ending where 4 uninterrupted steps of one process end.
   * eps 1 keeps the moments in every update, so a moment lost or misplaced in gathering or scattering shows.
   */
  @Test
  void zeroCheckpointsResumeWithAnotherNumberOfRanksAndWithoutZero(@TempDir Path tmp) throws Exception {
    Map<String, Tensor> straight = single(4, null);
    // 2 ZeRO ranks write step 2; one process without ZeRO resumes to step 4
    Path fromZero = tmp.resolve("ckpt-zero");
    launch(tmp.resolve("a"), 2, 1, 2, fromZero);
    assertTrue(Files.isDirectory(fromZero.resolve("step-00000002")), "rank 0 wrote the ZeRO run's checkpoint");
    assertClose(straight, single(4, fromZero), "2 ZeRO ranks to step 2, then 1 process to step 4");
    // one process writes step 2; 3 ZeRO ranks resume to step 4
    Path fromOne = tmp.resolve("ckpt-one");
    single(2, fromOne);
    Ranks z = launch(tmp.resolve("b"), 3, 1, 4, fromOne);
    assertClose(straight, z.first(), "1 process to step 2, then 3 ZeRO ranks to step 4");
  }

  private void ranksEqualOneProcess(Path tmp, int world) throws Exception {
    int[] seen = {0};
    LanguageModel init = EngineTestSupport.MODELS.create(TinyModels.gqa(), 10);
    Map<String, Tensor> single = single(2, null, seen);
    Ranks plain = launch(tmp.resolve("plain"), world, 0, 2, null);
    Ranks zero = launch(tmp.resolve("zero"), world, 1, 2, null);
    for (Ranks run : List.of(plain, zero)) {
      // each rank computed its shard only: together what the one process computed, no rank all of it
      int together = 0;
      for (int r = 0; r < world; r++) {
        int n = run.examples()[r];
        assertTrue(n > 0 && n < seen[0], "rank " + r + " computed " + n + " of " + seen[0] + " examples");
        together += n;
      }
      assertEquals(seen[0], together, "examples computed by all ranks together");
      for (String name : single.keySet()) {
        assertTrue(org.bytedeco.pytorch.global.torch.equal(run.first().get(name), run.last().get(name)),
            "ranks differ: " + name);
      }
    }
    double moved = 0;
    for (String name : single.keySet()) {
      moved = Math.max(moved, single.get(name).sub(init.parameters().get(name)).abs().max().item_double());
    }
    assertTrue(moved > 1e-3, "parameters did not move: " + moved);
    assertClose(single, plain.first(), world + " ranks vs 1 process, global batch 4");
    assertClose(single, zero.first(), world + " ZeRO-1 ranks vs 1 process, global batch 4");
    assertClose(plain.first(), zero.first(), world + " ZeRO-1 ranks vs " + world + " plain data-parallel ranks");
    // the moments each ZeRO rank held: slices that partition the whole, each about 1/N of what a plain rank holds
    long whole = plain.stateBytes()[0];
    long sum = 0;
    for (int r = 0; r < world; r++) {
      assertEquals(whole, plain.stateBytes()[r], "plain data-parallel rank " + r + " holds all moments");
      long b = zero.stateBytes()[r];
      sum += b;
      assertTrue(b > 0 && b <= whole / world + 8, "ZeRO rank " + r + " holds " + b + " bytes of moments, 1/" + world
          + " of " + whole + " is " + whole / world);
    }
    assertEquals(whole, sum, "the ZeRO ranks' slices together are the whole optimiser state");
    System.out.printf("%d ranks: optimizer state per rank %d bytes plain, %s bytes ZeRO-1%n", world, whole,
        java.util.Arrays.toString(zero.stateBytes()));
    init.close();
  }

  private static void assertClose(Map<String, Tensor> want, Map<String, Tensor> got, String what) {
    double worst = 0;
    for (String name : want.keySet()) {
      worst = Math.max(worst, want.get(name).sub(got.get(name)).abs().max().item_double());
    }
    System.out.printf("%s: max param diff %.3g%n", what, worst);
    assertTrue(worst < 1e-5, what + ": max param diff " + worst);
  }

  private static Map<String, Tensor> single(int steps, Path ckpt) {
    return single(steps, ckpt, new int[1]);
  }

  /** One process, {@code steps} steps from the weights rank 0 starts from (or from {@code ckpt}'s checkpoint). */
  private static Map<String, Tensor> single(int steps, Path ckpt, int[] seen) {
    LanguageModel m = EngineTestSupport.MODELS.create(TinyModels.gqa(), 10);
    new LocalTrainer().train(new Trainer.Job(m.parameters(), DATA.length, s -> {
      seen[0] += s.indices().length;
      return TinyModels.sftLoss(m, DATA, s.indices());
    }, options(4, steps), ckpt, null, null, null));
    return m.parameters();
  }

  private static Ranks launch(Path dir, int world, int zero, int steps, Path ckpt) throws Exception {
    Files.createDirectories(dir);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> ranks = new ArrayList<>();
    for (int r = 0; r < world; r++) {
      List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
          "-Dorg.bytedeco.javacpp.logger=slf4j", DistChild.class.getName(),
          dir.resolve("rank" + r + ".safetensors").toString(), String.valueOf(zero), String.valueOf(steps)));
      if (ckpt != null) {
        cmd.add(ckpt.toString());
      }
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("rank" + r + ".log").toFile());
      pb.environment().put("RANK", String.valueOf(r));
      pb.environment().put("WORLD_SIZE", String.valueOf(world));
      pb.environment().put("ALIGN4J_THREADS", "1");
      pb.environment().put("OMP_NUM_THREADS", "1");
      pb.environment().put("MASTER_ADDR", "127.0.0.1");
      pb.environment().put("MASTER_PORT", String.valueOf(port));
      ranks.add(pb.start());
    }
    int[] examples = new int[world];
    long[] bytes = new long[world];
    for (int r = 0; r < world; r++) {
      assertTrue(ranks.get(r).waitFor(180, TimeUnit.SECONDS), "rank " + r + " hung");
      assertEquals(0, ranks.get(r).exitValue(), "rank " + r + ": " + Files.readString(dir.resolve("rank" + r + ".log")));
      Path out = dir.resolve("rank" + r + ".safetensors");
      examples[r] = Integer.parseInt(Files.readString(Path.of(out + ".examples")).trim());
      bytes[r] = Long.parseLong(Files.readString(Path.of(out + ".state-bytes")).trim());
    }
    return new Ranks(SafeTensors.read(dir.resolve("rank0.safetensors")),
        SafeTensors.read(dir.resolve("rank" + (world - 1) + ".safetensors")), examples, bytes);
  }
}
