package org.align4j.api.loss;

import org.bytedeco.pytorch.Tensor;

/**
 * One mini-batch of a policy update: rows of a {@link Rollout} re-scored by the current policy.
 * Token tensors are {@code [B, T]}, aligned like the rollout.
 *
 * @param logProbs log-probs of the sampled tokens under the current policy (with gradient)
 * @param oldLogProbs the rollout's {@link Rollout#logProbs()} (detached)
 * @param referenceLogProbs reference log-probs, for losses that put the KL in the loss (GRPO-style);
 *     {@code null} otherwise
 * @param values the current critic's values (with gradient); {@code null} for critic-free losses
 * @param oldValues the rollout's values (for value clipping); {@code null} for critic-free losses
 * @param advantages from {@link Advantages#advantages()}
 * @param returns from {@link Advantages#returns()}; {@code null} for critic-free losses
 * @param mask the rollout's mask
 * @param entropy per-token entropy of the current policy (the toolkit's {@code LogProbs.entropy}, with gradient) for an
 *     entropy bonus; {@code null} when the loss has none
 */
public record PolicyBatch(Tensor logProbs, Tensor oldLogProbs, Tensor referenceLogProbs, Tensor values,
    Tensor oldValues, Tensor advantages, Tensor returns, Tensor mask, Tensor entropy) {
  public PolicyBatch {
    if (logProbs == null || oldLogProbs == null || advantages == null || mask == null) {
      throw new IllegalArgumentException("logProbs, oldLogProbs, advantages and mask are required");
    }
    if (logProbs.dim() != 2) {
      throw new IllegalArgumentException("logProbs must be [batch, tokens], got " + TensorShapes.of(logProbs));
    }
    long b = logProbs.size(0);
    long t = logProbs.size(1);
    Rollout.checkTokens("oldLogProbs", oldLogProbs, b, t);
    Rollout.checkTokens("referenceLogProbs", referenceLogProbs, b, t);
    Rollout.checkTokens("values", values, b, t);
    Rollout.checkTokens("oldValues", oldValues, b, t);
    Rollout.checkTokens("advantages", advantages, b, t);
    Rollout.checkTokens("returns", returns, b, t);
    Rollout.checkTokens("mask", mask, b, t);
    Rollout.checkTokens("entropy", entropy, b, t);
  }
}
