package org.align4j.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.align4j.api.engine.Generator.Generation;
import org.align4j.api.engine.Generator.Sampling;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.TorchDevice;
import org.align4j.core.engine.generate.LocalGenerator;

/**
 * An experiment, not a test: greedy outputs (16 random prompts x 40 new tokens) decoded in bf16 against fp32, for
 * the two HF fixtures and two random models; prints how many differ, where, and the log-prob gap before that.
 * Run from the repository root: {@code java -cp ... org.align4j.bench.PrecisionCompare [fixtures dir]}.
 */
public final class PrecisionCompare {
  private PrecisionCompare() {}

  public static void main(String[] a) throws Exception {
    LocalModels models = new LocalModels(TorchDevice.cpu(1));
    LocalGenerator gen = new LocalGenerator();
    Path hf = Path.of(a.length > 0 ? a[0] : "../shared/fixtures").resolve("hf-llama");
    Map<String, LanguageModel> ms = new LinkedHashMap<>();
    for (String n : new String[] {"tiny-llama3-gqa", "tiny-llama2-mha-tied"}) ms.put(n, models.load(hf.resolve(n)));
    ms.put("stories15m-random", models.create(new ModelConfig(32000, 288, 768, 6, 6, 6, 48, 1e-5, 10000, null, 512, true, 1, List.of(2), 0, "float32", null), 11));
    ms.put("gqa8k-random", models.create(new ModelConfig(8000, 384, 1024, 6, 6, 2, 64, 1e-5, 500000, null, 4096, false, 1, List.of(2), 0, "float32", null), 2));
    for (var e : ms.entrySet()) {
      LanguageModel m = e.getValue();
      int vocab = m.config().vocabSize();
      List<int[]> prompts = new ArrayList<>();
      SplittableRandom r = new SplittableRandom(7);
      for (int i = 0; i < 16; i++) { int[] p = new int[3 + r.nextInt(12)]; for (int k = 0; k < p.length; k++) p[k] = 1 + r.nextInt(vocab - 1); prompts.add(p); }
      for (int bs : new int[] {1, 8}) {
        List<Generation> f = gen.generate(m, prompts, Sampling.greedy(40).withBatchSize(bs));
        List<Generation> b = gen.generate(m, prompts, Sampling.greedy(40).withBatchSize(bs).withPrecision("bf16"));
        int differ = 0, tokensSame = 0, total = 0; double lpErr = 0;
        List<Integer> firsts = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
          int[] x = f.get(i).tokens(), y = b.get(i).tokens();
          int k = 0; while (k < Math.min(x.length, y.length) && x[k] == y[k]) { lpErr = Math.max(lpErr, Math.abs(f.get(i).logprobs()[k] - b.get(i).logprobs()[k])); k++; }
          if (!Arrays.equals(x, y)) { differ++; firsts.add(k); }
          tokensSame += k; total += x.length;
        }
        System.out.printf("%s batch %d: %d of %d greedy outputs (40 tokens) differ bf16 vs fp32, first divergence at %s; %d/%d tokens before divergence; max |log-prob diff| on the common prefix %.3g%n",
            e.getKey(), bs, differ, prompts.size(), firsts, tokensSame, total, lpErr);
      }
    }
  }
}
