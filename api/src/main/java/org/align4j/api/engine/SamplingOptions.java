package org.align4j.api.engine;

import java.util.ArrayList;
import java.util.Set;
import org.align4j.api.Default;
import org.align4j.api.Doc;

/**
 * How a stage samples answers from a policy: answers per prompt, temperature, nucleus mass and length. A stage nests
 * it as a {@link org.align4j.api.Flat @Flat} component, so a recipe writes {@code temperature: 1.0, top_p: 0.9}
 * directly under the stage's {@code options:}, and states its own defaults with a partial
 * {@code @Default("{samples_per_prompt: 8, max_new_tokens: 128}")} on that component. Checks that only one stage
 * needs (PPO's temperature above 0, a bound on the length) stay in that stage's options, and so does
 * {@code samples_per_prompt >= 1}: a stage refuses a missing required option (a reward) before it.
 *
 * @param samplesPerPrompt answers sampled per prompt (K)
 * @param temperature sampling temperature; 0: greedy
 * @param topP nucleus sampling mass; 1: off
 * @param maxNewTokens tokens generated per answer at most
 * @param precision decode arithmetic, {@code fp32}, {@code bf16} or {@code auto} (see {@link Generator.Sampling})
 */
public record SamplingOptions(
    @Doc("answers sampled per prompt (K; Llama 3 rejection sampling: 10-30)") @Default("1") int samplesPerPrompt,
    @Doc("sampling temperature (0: greedy; Llama 2: 1.2-1.3 for RLHF models at 10-100 samples)") @Default("1.0")
        double temperature,
    @Doc("nucleus sampling mass (1: off)") @Default("1.0") double topP,
    @Doc("tokens generated per answer at most") @Default("128") int maxNewTokens,
    @Doc("decode arithmetic: fp32, bf16 (projections in bfloat16 on oneDNN; norms, attention, softmax in float32)"
        + " or auto (bf16 for batches of several rows where the CPU has avx512_bf16 or AMX)") @Default("fp32")
        String precision) {

  /** Checks every range at once, so a recipe learns all its bad values in one validation. */
  public SamplingOptions {
    var bad = new ArrayList<String>();
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      bad.add("temperature must be a finite number >= 0 (0: greedy), got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      bad.add("top_p must be in (0, 1], got " + topP);
    }
    if (maxNewTokens < 1) {
      bad.add("max_new_tokens must be >= 1, got " + maxNewTokens);
    }
    precision = precision == null ? "fp32" : precision;
    if (!Generator.Sampling.PRECISIONS.contains(precision)) {
      bad.add("precision must be one of " + Generator.Sampling.PRECISIONS + ", got '" + precision + "'");
    }
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", bad));
    }
  }

  /** Float32 decoding. */
  public SamplingOptions(int samplesPerPrompt, double temperature, double topP, int maxNewTokens) {
    this(samplesPerPrompt, temperature, topP, maxNewTokens, "fp32");
  }

  /**
   * The {@link Generator}'s settings for one batch: these options with {@code topK}, the chat format's stop tokens,
   * {@code seed}, the KV cache on, and {@code batchSize} sequences per forward pass.
   */
  public Generator.Sampling sampling(int topK, Set<Integer> stops, long seed, int batchSize) {
    return new Generator.Sampling(maxNewTokens, temperature, topK, topP, stops, seed, true, batchSize, precision);
  }
}
