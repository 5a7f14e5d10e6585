package org.align4j.bench;

import java.util.List;
import java.util.Locale;
import org.align4j.api.engine.Generator.Sampling;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.TorchDevice;
import org.align4j.core.engine.generate.LocalGenerator;

/** Profiling driver (not a benchmark figure): batch-B decode of the stories15M shape in a loop for N seconds. */
public final class DecodeLoop {
  private DecodeLoop() {}

  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[0]);
    double seconds = Double.parseDouble(args[1]);
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    boolean sample = args.length > 3 && args[3].equals("sample");
    LocalModels models = new LocalModels(TorchDevice.cpu(threads));
    try (LanguageModel m = models.create(EngineBench.stories15m(), 11)) {
      LocalGenerator gen = new LocalGenerator();
      int[] prompt = new int[16];
      for (int i = 0; i < 16; i++) {
        prompt[i] = 1 + i * 7;
      }
      List<int[]> ps = java.util.Collections.nCopies(batch, prompt);
      Sampling s = sample ? Sampling.sample(128, 1.0, 1.0, 5).withBatchSize(batch) : Sampling.greedy(128).withBatchSize(batch);
      long end = System.nanoTime() + (long) (seconds * 1e9);
      int tokens = 0;
      long t0 = System.nanoTime();
      while (System.nanoTime() < end) {
        tokens += gen.generate(m, ps, s).stream().mapToInt(g -> g.tokens().length).sum();
      }
      System.out.printf(Locale.ROOT, "%d tokens, %.1f tok/s%n", tokens, tokens / ((System.nanoTime() - t0) / 1e9));
    }
  }
}
