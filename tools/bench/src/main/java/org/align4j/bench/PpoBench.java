package org.align4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.align4j.api.model.ModelConfig;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.TorchDevice;
import org.bytedeco.pytorch.global.torch;

/**
 * PPO iteration time split (a benchmark, not a test), read from a {@code ppo} stage's report that {@code
 * tools/bench/ppo-bench.sh} has just produced with the launcher: per iteration the seconds spent generating the
 * rollouts, scoring them, in the no-gradient forward passes (old policy, reference, value model) and in the updates,
 * with each phase's share. The forward and update phases are put against the libtorch fp32 matmul FLOP/s measured in
 * this run at the same thread count (useful FLOPs: 2 x weight-matmul parameters per token per forward, 6 x for a
 * forward + backward, on the rollouts' real tokens); generation as generated tokens/s.
 */
public final class PpoBench {
  private PpoBench() {}

  public static void main(String[] args) throws Exception {
    Path run = null;
    String stage = "ppo";
    int threads = 0;
    int skip = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--run" -> run = Path.of(args[++i]);
        case "--stage" -> stage = args[++i];
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--skip" -> skip = Integer.parseInt(args[++i]);
        default -> {
          System.out.println("usage: PpoBench --run RUN_DIR [--stage ppo] [--threads N] [--skip 1]\n"
              + "  --skip: leading iterations left out of the means (warm-up)");
          return;
        }
      }
    }
    if (run == null) {
      throw new IllegalArgumentException("--run RUN_DIR is required (the run directory of a recipe with a ppo stage)");
    }
    Path reportFile = run.resolve(stage).resolve("report");
    if (!Files.exists(reportFile)) {
      throw new IllegalArgumentException(reportFile + ": no PPO report; run the recipe's " + stage + " stage first");
    }
    JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
    JsonNode history = report.get("history");
    if (history == null || history.size() <= skip) {
      throw new IllegalArgumentException(reportFile + ": " + (history == null ? 0 : history.size())
          + " iterations; the bench needs more than --skip " + skip);
    }
    TorchDevice dev = TorchDevice.cpu(threads);
    ModelConfig policy = new LocalModels(dev).readConfig(run.resolve(stage).resolve("model"));
    long p = EngineBench.matmulParams(policy);
    long pValue = p - (long) policy.vocabSize() * policy.hiddenSize() + policy.hiddenSize(); // scalar head
    int epochs = report.path("ppo_epochs").asInt(1);
    double matmul = EngineBench.matmulFlops(10);

    String[] keys = {"time_generate_s", "time_reward_s", "time_forward_s", "time_update_s", "rollout_tokens",
        "response_tokens", "padded_tokens"};
    double[] mean = new double[keys.length];
    int n = history.size() - skip;
    for (int it = skip; it < history.size(); it++) {
      for (int k = 0; k < keys.length; k++) {
        JsonNode v = history.get(it).get(keys[k]);
        if (v == null) {
          throw new IllegalArgumentException(reportFile + ": iteration " + (it + 1) + " has no " + keys[k]
              + " (a report from before the bench existed; rerun the stage)");
        }
        mean[k] += v.asDouble() / n;
      }
    }
    double total = mean[0] + mean[1] + mean[2] + mean[3];
    double tokens = mean[4];
    double forwardFlops = 2.0 * tokens * (p + p + pValue); // old policy, reference, value model
    double updateFlops = epochs * 6.0 * tokens * (p + pValue); // policy and value model, forward + backward

    System.out.printf(Locale.ROOT, "align4j PPO bench: %s, libtorch threads %d, run %s, stage %s%n", dev,
        torch.get_num_threads(), run, stage);
    System.out.printf(Locale.ROOT, "model: hidden %d, layers %d, vocab %d: %,d weight-matmul parameters (value model %,d)%n",
        policy.hiddenSize(), policy.numLayers(), policy.vocabSize(), p, pValue);
    System.out.printf(Locale.ROOT, "iterations: %d measured (first %d left out), %d prompts x %d samples, %d PPO epoch(s);"
            + " per iteration %.0f rollout tokens (%.0f generated, padded layout %.2fx)%n", n, skip,
        report.path("batch_size").asInt(), report.path("samples_per_prompt").asInt(1), epochs, tokens, mean[5],
        mean[6] / tokens);
    System.out.printf(Locale.ROOT, "libtorch fp32 matmul (1024^3) in this run: %.2f GFLOP/s%n", matmul / 1e9);
    System.out.printf(Locale.ROOT, "%-34s %9s %7s  %s%n", "phase (mean per iteration)", "seconds", "share", "rate");
    row("generate rollouts", mean[0], total, String.format(Locale.ROOT, "%.0f generated tok/s", mean[5] / mean[0]));
    row("reward scoring", mean[1], total, "");
    row("forward: old policy, reference, value", mean[2], total, rate(forwardFlops / mean[2], matmul));
    row("update: policy + value (fwd+bwd)", mean[3], total, rate(updateFlops / mean[3], matmul));
    row("iteration", total, total, "");
  }

  private static void row(String name, double secs, double total, String rate) {
    System.out.printf(Locale.ROOT, "%-34s %9.3f %6.1f%%  %s%n", name, secs, 100 * secs / total, rate);
  }

  private static String rate(double flops, double matmul) {
    return String.format(Locale.ROOT, "%.2f GFLOP/s = %.1f%% of matmul", flops / 1e9, 100 * flops / matmul);
  }
}
