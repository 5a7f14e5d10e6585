package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.align4j.api.engine.Generator.Sampling;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainerOptions;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.engine.generate.LocalGenerator;
import org.align4j.core.engine.train.LocalTrainer;
import org.align4j.testkit.TinyModels;
import org.junit.jupiter.api.Test;

/** Resident memory stays flat over many training steps and generations (every per-step tensor is scoped). */
class NativeMemoryTest {
  static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  @Test
  void rssFlatOverTrainingAndGeneration() throws Exception {
    if (!Files.exists(Path.of("/proc/self/status"))) {
      return; // not Linux: nothing to measure
    }
    LanguageModel m = EngineTestSupport.MODELS.create(TinyModels.gqa(), 1);
    int[][] data = TinyModels.data(32, 16, 64, 3);
    LocalTrainer trainer = new LocalTrainer();
    LocalGenerator gen = new LocalGenerator();
    TrainerOptions o = TrainerOptions.defaults(1e-3).withBatch(4, 1).withLength(0, 50);
    Runnable round = () -> {
      trainer.train(new Trainer.Job(m.parameters(), data.length, s -> TinyModels.sftLoss(m, data, s.indices()), o, null,
          null, null, null));
      gen.generate(m, List.of(new int[] {1, 2}, new int[] {3}), Sampling.greedy(8));
    };
    for (int i = 0; i < 2; i++) {
      round.run(); // warm-up: allocator pools, JIT
    }
    System.gc();
    long before = rssKb();
    for (int i = 0; i < 6; i++) {
      round.run();
    }
    System.gc();
    long after = rssKb();
    long growthKb = after - before;
    // 300 training steps + 6 generations; a leak of one activation per step would be tens of MB
    System.out.printf("RSS %d kB -> %d kB over 300 steps + 6 generations%n", before, after);
    assertTrue(growthKb < 25_000, "RSS grew " + growthKb + " kB over 300 steps (" + before + " -> " + after + ")");
    m.close();
  }

  @Test
  void rssFlatWhenTrainingRemakesTheBatchOneDecodeCopies() throws Exception {
    if (!Files.exists(Path.of("/proc/self/status"))) {
      return; // not Linux: nothing to measure
    }
    // matrices of >= 2^16 entries: batch-1 decoding keeps transposed copies (~5 MB here) and bf16 decoding bf16
    // copies, remade after every training round because the weights changed; leaking old ones: ~5 MB per round
    LanguageModel m = EngineTestSupport.MODELS.create(LlamaDecoderTest.mid(), 2);
    int[][] data = TinyModels.data(16, 16, 512, 3);
    LocalTrainer trainer = new LocalTrainer();
    LocalGenerator gen = new LocalGenerator();
    TrainerOptions o = TrainerOptions.defaults(1e-3).withBatch(4, 1).withLength(0, 2);
    Runnable round = () -> {
      trainer.train(new Trainer.Job(m.parameters(), data.length, s -> TinyModels.sftLoss(m, data, s.indices()), o, null,
          null, null, null));
      gen.generate(m, List.of(new int[] {1, 2}, new int[] {3}), Sampling.greedy(6).withBatchSize(1));
      gen.generate(m, List.of(new int[] {1, 2}, new int[] {3}), Sampling.sample(6, 1.0, 0.9, 1));
      gen.generate(m, List.of(new int[] {1, 2}, new int[] {3}), Sampling.sample(6, 1.0, 0.9, 1).withPrecision("bf16"));
    };
    for (int i = 0; i < 3; i++) {
      round.run(); // warm-up: allocator pools, JIT
    }
    System.gc();
    long before = rssKb();
    for (int i = 0; i < 20; i++) {
      round.run();
    }
    System.gc();
    long after = rssKb();
    System.out.printf("RSS %d kB -> %d kB over 20 rounds of training + batch-1 generation%n", before, after);
    assertTrue(after - before < 25_000, "RSS grew " + (after - before) + " kB over 20 rounds (" + before + " -> " + after + ")");
    m.close();
  }
}
