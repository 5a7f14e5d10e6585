package org.align4j.toolkit.loss;

import org.align4j.api.loss.SequenceLogProbs;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Log-probabilities of labels under logits, the one implementation that the SFT, reward, DPO and PPO
 * stages share. Conventions (Hugging Face causal LM): {@code logits[:, t]} is the distribution of token
 * {@code t + 1}; a loss mask is given per input token (the chat format's {@code loss_mask}) and says
 * whether that token is a target.
 *
 * <p>Log-probs are {@code gather(logits, label) - logsumexp(logits)}, which never materialises the full
 * log-softmax. Half and bfloat16 logits are computed in float32 and the result is float32.
 */
public final class LogProbs {
  private LogProbs() {}

  /**
   * {@code log p(targets[b, t] | logits[b, t])} for {@code logits [B, T, V]}, {@code targets [B, T]} (long
   * or int). Where {@code mask} (optional, {@code [B, T]}) is 0 the target may be anything (padding,
   * {@code -100}) and the result is 0.
   */
  public static Tensor tokenLogProbs(Tensor logits, Tensor targets, Tensor mask) {
    if (logits.dim() != 3 || targets.dim() != 2 || logits.size(0) != targets.size(0)
        || logits.size(1) != targets.size(1)) {
      throw new IllegalArgumentException("logits must be [B, T, V] and targets [B, T], got " + Tensors.shape(logits)
          + " and " + Tensors.shape(targets));
    }
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      Tensor l = logits;
      if (isHalf(logits)) {
        l = logits.to(torch.ScalarType.Float);
      }
      Tensor idx = targets.to(torch.ScalarType.Long);
      if (mask != null) {
        idx = idx.masked_fill(mask.to(torch.ScalarType.Bool).logical_not(), new org.bytedeco.pytorch.Scalar(0L));
      }
      Tensor picked = l.gather(-1, idx.unsqueeze(-1)).squeeze(-1);
      Tensor lp = picked.sub(l.logsumexp(new long[] {-1}, false));
      if (mask != null) {
        lp = lp.mul(Tensors.maskLike(mask, lp));
      }
      return Tensors.keep(outer, lp);
    }
  }

  /**
   * Causal shift: {@code [B, T-1]} log-probs of {@code inputIds[:, 1:]} under {@code logits[:, :-1]}, zero
   * where {@code lossMask[:, 1:]} is 0. Column {@code j} is input token {@code j + 1}.
   */
  public static Tensor shiftedTokenLogProbs(Tensor logits, Tensor inputIds, Tensor lossMask) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      long t = logits.size(1);
      Tensor lg = logits.narrow(1, 0, t - 1);
      Tensor ids = inputIds.narrow(1, 1, t - 1);
      Tensor m = lossMask == null ? null : shiftMask(lossMask);
      return Tensors.keep(outer, tokenLogProbs(lg, ids, m));
    }
  }

  /**
   * Whether a tensor is float16 or bfloat16. Compares {@code ScalarType.value}: the enum constants JavaCPP
   * returns from {@code scalar_type()} are not the canonical instances, so {@code ==} is always false.
   */
  static boolean isHalf(Tensor t) {
    int v = t.scalar_type().value;
    return v == torch.ScalarType.Half.value || v == torch.ScalarType.BFloat16.value;
  }

  /** {@code lossMask[:, 1:]}: the mask of the targets {@link #shiftedTokenLogProbs} returns. */
  public static Tensor shiftMask(Tensor lossMask) {
    return lossMask.narrow(1, 1, lossMask.size(1) - 1);
  }

  /**
   * Summed log-prob of the loss-masked tokens of each row, and how many there are: what DPO and the
   * length-normalised NLL take. {@code logits [B, T, V]}, {@code inputIds [B, T]}, {@code lossMask [B, T]}
   * per input token; the first token is never a target.
   */
  public static SequenceLogProbs sequence(Tensor logits, Tensor inputIds, Tensor lossMask) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      Tensor tok = shiftedTokenLogProbs(logits, inputIds, lossMask);
      Tensor m = shiftMask(lossMask);
      return new SequenceLogProbs(Tensors.keep(outer, Masked.rowSum(tok, m)),
          Tensors.keep(outer, Tensors.maskLike(m, tok).sum(-1)));
    }
  }

  /** Sums already-aligned token log-probs {@code [B, T]} over {@code mask [B, T]}. */
  public static SequenceLogProbs sum(Tensor tokenLogProbs, Tensor mask) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      return new SequenceLogProbs(Tensors.keep(outer, Masked.rowSum(tokenLogProbs, mask)),
          Tensors.keep(outer, Tensors.maskLike(mask, tokenLogProbs).sum(-1)));
    }
  }

  /**
   * Entropy of each position's distribution, {@code [B, T, V] -> [B, T]}: {@code logsumexp(l) - sum(softmax(l)
   * * l)}.
   */
  public static Tensor entropy(Tensor logits) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope s = new PointerScope()) {
      Tensor l = logits;
      if (isHalf(logits)) {
        l = logits.to(torch.ScalarType.Float);
      }
      Tensor lse = l.logsumexp(new long[] {-1}, false);
      Tensor p = l.softmax(-1);
      return Tensors.keep(outer, lse.sub(p.mul(l).sum(new long[] {-1}, false, new org.bytedeco.pytorch.ScalarTypeOptional())));
    }
  }
}
