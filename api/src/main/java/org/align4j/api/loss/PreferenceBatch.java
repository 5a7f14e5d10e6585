package org.align4j.api.loss;

import org.bytedeco.pytorch.Tensor;

/**
 * Sequence log-probabilities of chosen and rejected responses (one pair per row), from
 * the toolkit's {@code LogProbs.sequence}: summed over the chat format's loss mask, so what is masked (Llama 3 masks
 * header and termination tokens out of DPO) is the chat format's decision, not the loss's.
 *
 * @param chosen policy log-probs of the chosen responses (with gradient)
 * @param rejected policy log-probs of the rejected responses (with gradient)
 * @param referenceChosen {@code [B]} summed log-probs of the chosen responses under the frozen reference;
 *     {@code null} only for losses whose {@link PreferenceLoss#needsReference()} is false
 * @param referenceRejected {@code [B]} the same for the rejected responses
 */
public record PreferenceBatch(SequenceLogProbs chosen, SequenceLogProbs rejected, Tensor referenceChosen,
    Tensor referenceRejected) {
  public PreferenceBatch {
    if (chosen == null || rejected == null) {
      throw new IllegalArgumentException("chosen and rejected log-probs are required");
    }
    long b = chosen.size();
    if (rejected.size() != b) {
      throw new IllegalArgumentException("chosen has " + b + " rows, rejected " + rejected.size());
    }
    if ((referenceChosen == null) != (referenceRejected == null)) {
      throw new IllegalArgumentException("give both reference log-probs or neither");
    }
    if (referenceChosen != null && (referenceChosen.dim() != 1 || referenceChosen.size(0) != b
        || referenceRejected.dim() != 1 || referenceRejected.size(0) != b)) {
      throw new IllegalArgumentException("reference log-probs must be [" + b + "], got "
          + TensorShapes.of(referenceChosen) + " and " + TensorShapes.of(referenceRejected));
    }
  }

  /**
   * From one forward pass over {@code 2B} rows, chosen responses first ({@code 0..B-1}) then rejected ({@code
   * B..2B-1}), the usual way to score a pair batch. {@code reference} is {@code [2B]} in the same order, or
   * {@code null}.
   */
  public static PreferenceBatch concatenated(SequenceLogProbs policy, Tensor reference) {
    long n = policy.size();
    if (n % 2 != 0) {
      throw new IllegalArgumentException("concatenated chosen+rejected rows must be even in number, got " + n);
    }
    long b = n / 2;
    return new PreferenceBatch(policy.narrow(0, b), policy.narrow(b, b),
        reference == null ? null : reference.narrow(0, 0, b), reference == null ? null : reference.narrow(0, b, b));
  }

  public boolean hasReference() {
    return referenceChosen != null;
  }

  public long rows() {
    return chosen.size();
  }
}
