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
 */
public record SamplingOptions(
    @Doc("answers sampled per prompt (K; Llama 3 rejection sampling: 10-30)") @Default("1") int samplesPerPrompt,
    @Doc("sampling temperature (0: greedy; Llama 2: 1.2-1.3 for RLHF models at 10-100 samples)") @Default("1.0")
        double temperature,
    @Doc("nucleus sampling mass (1: off)") @Default("1.0") double topP,
    @Doc("tokens generated per answer at most") @Default("128") int maxNewTokens) {

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
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", bad));
    }
  }

  /**
   * The {@link Generator}'s settings for one batch: these options with {@code topK}, the chat format's stop tokens,
   * {@code seed}, the KV cache on, and {@code batchSize} sequences per forward pass.
   */
  public Generator.Sampling sampling(int topK, Set<Integer> stops, long seed, int batchSize) {
    return new Generator.Sampling(maxNewTokens, temperature, topK, topP, stops, seed, true, batchSize);
  }
}
