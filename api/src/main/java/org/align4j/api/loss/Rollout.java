package org.align4j.api.loss;

import org.bytedeco.pytorch.Tensor;

/**
 * What a policy-gradient stage collected for one batch of sampled responses, before any update. Token
 * tensors are {@code [B, T]} over the response tokens (a row is one episode: one prompt's sampled
 * response), aligned so that column {@code t} is the {@code t}-th response token; all are detached.
 *
 * <p>Alignment with a causal LM: response token {@code t} sits at sequence position {@code p = promptLength
 * + t}; its log-prob comes from the logits at {@code p - 1} (the toolkit's {@code LogProbs.shiftedTokenLogProbs} column
 * {@code p - 1}), and {@code V(s_t)} is the value head read at the same position {@code p - 1} (the state
 * that chose the token). The bootstrap value of a truncated row is the value head at its last response
 * token's position.
 *
 * @param logProbs log-prob of each sampled token under the policy that sampled it
 * @param referenceLogProbs the same under the frozen reference policy (for the KL penalty); {@code null}
 *     when the loss needs none
 * @param values the critic's value of the state before each token ({@code V(s_t)}); {@code null} for
 *     critic-free losses
 * @param mask 1 for response tokens that are actions (bool or 0/1); padding and tokens the policy did not
 *     choose (tool output) are 0. Masked positions are skipped, not treated as steps.
 * @param scores {@code [B]} the sequence-level reward (e.g. whitened reward-model score), added at the
 *     last unmasked token of the row
 * @param terminated {@code [B]} bool or 0/1: 1 when the response ended (stop token), 0 when it was
 *     truncated (length limit). {@code null}: every row terminated.
 * @param bootstrapValues {@code [B]} the critic's value of the state after the last token, used for
 *     truncated rows only ({@code null}: 0)
 * @param groups {@code [B]} int64: rows with the same id answer the same prompt (several samples per
 *     prompt, for group-relative losses such as GRPO or RLOO); {@code null}: every row its own group
 */
public record Rollout(Tensor logProbs, Tensor referenceLogProbs, Tensor values, Tensor mask, Tensor scores,
    Tensor terminated, Tensor bootstrapValues, Tensor groups) {
  public Rollout {
    if (logProbs == null || mask == null || scores == null) {
      throw new IllegalArgumentException("logProbs, mask and scores are required");
    }
    if (logProbs.dim() != 2) {
      throw new IllegalArgumentException("logProbs must be [batch, tokens], got " + TensorShapes.of(logProbs));
    }
    long b = logProbs.size(0);
    long t = logProbs.size(1);
    checkTokens("referenceLogProbs", referenceLogProbs, b, t);
    checkTokens("values", values, b, t);
    checkTokens("mask", mask, b, t);
    checkRows("scores", scores, b);
    checkRows("terminated", terminated, b);
    checkRows("bootstrapValues", bootstrapValues, b);
    checkRows("groups", groups, b);
  }

  /** A rollout without prompt groups. */
  public Rollout(Tensor logProbs, Tensor referenceLogProbs, Tensor values, Tensor mask, Tensor scores,
      Tensor terminated, Tensor bootstrapValues) {
    this(logProbs, referenceLogProbs, values, mask, scores, terminated, bootstrapValues, null);
  }

  static void checkTokens(String name, Tensor x, long b, long t) {
    if (x != null && (x.dim() != 2 || x.size(0) != b || x.size(1) != t)) {
      throw new IllegalArgumentException(name + " must be [" + b + ", " + t + "], got " + TensorShapes.of(x));
    }
  }

  static void checkRows(String name, Tensor x, long b) {
    if (x != null && (x.dim() != 1 || x.size(0) != b)) {
      throw new IllegalArgumentException(name + " must be [" + b + "], got " + TensorShapes.of(x));
    }
  }

  public long rows() {
    return logProbs.size(0);
  }
}
