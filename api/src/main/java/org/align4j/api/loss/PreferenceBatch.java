package org.align4j.api.loss;

import org.bytedeco.pytorch.Tensor;

/**
 * Sequence log-probabilities of chosen and rejected responses (one pair per row), from
 * {@link LogProbs#sequence}: summed over the chat format's loss mask, so what is masked (Llama 3 masks
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
          + Tensors.shape(referenceChosen) + " and " + Tensors.shape(referenceRejected));
    }
  }

  public boolean hasReference() {
    return referenceChosen != null;
  }

  public long rows() {
    return chosen.size();
  }
}
