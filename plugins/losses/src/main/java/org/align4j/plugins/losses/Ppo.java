package org.align4j.plugins.losses;

import java.util.LinkedHashMap;
import java.util.Map;
import org.align4j.api.loss.Advantages;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.PolicyBatch;
import org.align4j.api.loss.PolicyLoss;
import org.align4j.api.loss.Rollout;
import org.align4j.toolkit.loss.Masked;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * PPO with a clipped surrogate, a clipped value loss and an optional entropy bonus; rollouts are shaped
 * with a per-token KL penalty and turned into advantages by GAE.
 *
 * <p>{@link #advantages}: {@code r_t = -klCoef (log pi_old(a_t) - log pi_ref(a_t))}, plus the sequence score
 * at the row's last unmasked token; GAE ({@link Gae}) over the unmasked tokens; returns {@code A + V} before
 * whitening; advantages whitened over all unmasked tokens of the rollout when {@code whitenAdvantages}.
 * Diagnostics: {@code score}, {@code kl} (mean per-sequence sum of {@code log pi - log pi_ref}), {@code
 * reward} (mean per-sequence sum of shaped rewards), {@code advantage} (mean before whitening), {@code
 * return}, {@code value}, {@code response_length}, {@code truncated} (fraction of rows).
 *
 * <p>{@link #compute}: token-level means over the mini-batch's unmasked tokens of
 * <pre>
 * policy_loss = max(-A ratio, -A clip(ratio, 1 - eps, 1 + eps)),  ratio = exp(log pi - log pi_old)
 * value_loss  = 0.5 max((V - R)^2, (V_old + clip(V - V_old, -c, c) - R)^2)
 * loss = policy_loss + valueCoef value_loss - entropyCoef entropy
 * </pre>
 * Diagnostics: {@code loss}, {@code policy_loss}, {@code value_loss}, {@code entropy}, {@code clip_fraction}
 * (tokens where the clipped term is the larger), {@code value_clip_fraction}, {@code approx_kl} (mean of
 * {@code 0.5 (log pi - log pi_old)^2}), {@code ratio}, {@code explained_variance} ({@code 1 - Var(R - V) /
 * Var(R)} with the batch's values).
 */
final class Ppo implements PolicyLoss {
  private final PpoOptions o;

  Ppo(PpoOptions options) {
    this.o = options;
  }

  @Override
  public boolean needsReference() {
    return o.klCoef() > 0;
  }

  @Override
  public boolean needsEntropy() {
    return o.entropyCoef() > 0;
  }

  @Override
  public Advantages advantages(Rollout r) {
    if (r.values() == null) {
      throw new IllegalArgumentException("ppo needs the critic's values in the rollout");
    }
    if (o.klCoef() > 0 && r.referenceLogProbs() == null) {
      throw new IllegalArgumentException("ppo with klCoef " + o.klCoef() + " needs the reference log-probs in the rollout");
    }
    int b = (int) r.logProbs().size(0);
    int t = (int) r.logProbs().size(1);
    double[] lp = Tensors.toDoubles(r.logProbs());
    double[] ref = r.referenceLogProbs() == null ? null : Tensors.toDoubles(r.referenceLogProbs());
    double[] values = Tensors.toDoubles(r.values());
    double[] mask = Tensors.toDoubles(r.mask());
    double[] scores = Tensors.toDoubles(r.scores());
    boolean[] terminated = null;
    int truncated = 0;
    if (r.terminated() != null) {
      double[] term = Tensors.toDoubles(r.terminated());
      terminated = new boolean[b];
      for (int i = 0; i < b; i++) {
        terminated[i] = term[i] != 0;
        truncated += terminated[i] ? 0 : 1;
      }
    }
    double[] bootstrap = r.bootstrapValues() == null ? null : Tensors.toDoubles(r.bootstrapValues());

    double[] rewards = new double[b * t];
    double klSum = 0;
    double rewardSum = 0;
    double tokens = 0;
    for (int i = 0; i < b; i++) {
      int last = -1;
      for (int j = 0; j < t; j++) {
        int k = i * t + j;
        if (mask[k] == 0) {
          continue;
        }
        last = k;
        tokens++;
        double kl = ref == null ? 0.0 : lp[k] - ref[k];
        klSum += kl;
        rewards[k] = -o.klCoef() * kl;
      }
      if (last >= 0) {
        rewards[last] += scores[i];
      }
      for (int j = 0; j < t; j++) {
        rewardSum += rewards[i * t + j];
      }
    }
    Gae.Result g = Gae.compute(rewards, values, mask, b, t, terminated, bootstrap, o.gamma(), o.lambda());
    double[] adv = g.advantages();
    double n = Math.max(tokens, 1);
    double advMean = 0;
    double retMean = 0;
    double valMean = 0;
    for (int k = 0; k < b * t; k++) {
      if (mask[k] != 0) {
        advMean += adv[k] / n;
        retMean += g.returns()[k] / n;
        valMean += values[k] / n;
      }
    }
    double[] used = adv;
    if (o.whitenAdvantages()) {
      used = whiten(adv, mask, advMean, n);
    }
    double scoreMean = 0;
    for (double s : scores) {
      scoreMean += s / b;
    }
    Map<String, Double> d = new LinkedHashMap<>();
    d.put("score", scoreMean);
    d.put("kl", klSum / b);
    d.put("reward", rewardSum / b);
    d.put("advantage", advMean);
    d.put("return", retMean);
    d.put("value", valMean);
    d.put("response_length", tokens / b);
    d.put("truncated", (double) truncated / b);
    Tensor like = r.logProbs();
    return new Advantages(Tensors.like(like, rewards, b, t), Tensors.like(like, used, b, t),
        Tensors.like(like, g.returns(), b, t), d);
  }

  /** {@code (a - mean) / sqrt(var + 1e-8)} over the unmasked entries (population variance); masked: 0. */
  static double[] whiten(double[] a, double[] mask, double mean, double n) {
    double var = 0;
    for (int k = 0; k < a.length; k++) {
      if (mask[k] != 0) {
        var += (a[k] - mean) * (a[k] - mean) / n;
      }
    }
    double inv = 1.0 / Math.sqrt(var + 1e-8);
    double[] w = new double[a.length];
    for (int k = 0; k < a.length; k++) {
      w[k] = mask[k] == 0 ? 0.0 : (a[k] - mean) * inv;
    }
    return w;
  }

  /**
   * The clipped surrogate {@code mean over unmasked tokens of max(-A ratio, -A clip(ratio, 1 - eps, 1 + eps))}
   * (in the caller's scope), with {@code clip_fraction}, {@code approx_kl}, {@code ratio} and {@code loss_tokens}
   * put into {@code d}. Shared by every clipped policy loss of this module.
   */
  static Tensor clippedSurrogate(PolicyBatch p, Tensor mask, double clip, Map<String, Double> d) {
    Tensor lp = p.logProbs();
    Tensor adv = p.advantages().to(lp.device(), lp.scalar_type());
    Tensor logRatio = lp.sub(p.oldLogProbs().to(lp.device(), lp.scalar_type()));
    Tensor ratio = logRatio.exp();
    Tensor pg1 = adv.neg().mul(ratio);
    Tensor clipped = ratio.clamp(new ScalarOptional(new Scalar(1.0 - clip)), new ScalarOptional(new Scalar(1.0 + clip)));
    Tensor pg2 = adv.neg().mul(clipped);
    Tensor policyLoss = Masked.mean(torch.maximum(pg1, pg2), mask);
    d.put("clip_fraction", Tensors.item(Masked.mean(pg2.gt(pg1).to(lp.scalar_type()), mask)));
    d.put("approx_kl", Tensors.item(Masked.mean(logRatio.square(), mask).mul(new Scalar(0.5))));
    d.put("ratio", Tensors.item(Masked.mean(ratio, mask)));
    // the token count the means divide by: a data-parallel shard's share of the mini-batch is its tokens' share
    d.put("loss_tokens", Tensors.item(mask.sum()));
    return policyLoss;
  }

  @Override
  public LossResult compute(PolicyBatch p) {
    if (p.values() == null || p.returns() == null) {
      throw new IllegalArgumentException("ppo needs the critic's values and the returns in each mini-batch");
    }
    if (o.valueClip() > 0 && p.oldValues() == null) {
      throw new IllegalArgumentException("ppo with valueClip " + o.valueClip() + " needs the rollout's values (oldValues)");
    }
    if (o.entropyCoef() > 0 && p.entropy() == null) {
      throw new IllegalArgumentException("ppo with entropyCoef " + o.entropyCoef()
          + " needs per-token entropy in the mini-batch (LogProbs.entropy)");
    }
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope scope = new PointerScope()) {
      Tensor lp = p.logProbs();
      Tensor mask = Tensors.maskLike(p.mask(), lp);
      Map<String, Double> surrogate = new LinkedHashMap<>();
      Tensor policyLoss = clippedSurrogate(p, mask, o.clip(), surrogate);

      Tensor v = p.values();
      Tensor ret = p.returns().to(v.device(), v.scalar_type());
      Tensor vf1 = v.sub(ret).square();
      Tensor valueLoss;
      Tensor valueClipFraction = null;
      if (o.valueClip() > 0) {
        Tensor old = p.oldValues().to(v.device(), v.scalar_type());
        Tensor vClipped = old.add(v.sub(old).clamp(new ScalarOptional(new Scalar(-o.valueClip())),
            new ScalarOptional(new Scalar(o.valueClip()))));
        Tensor vf2 = vClipped.sub(ret).square();
        valueLoss = Masked.mean(torch.maximum(vf1, vf2), mask).mul(new Scalar(0.5));
        valueClipFraction = Masked.mean(vf2.gt(vf1).to(lp.scalar_type()), mask);
      } else {
        valueLoss = Masked.mean(vf1, mask).mul(new Scalar(0.5));
      }
      Tensor loss = policyLoss.add(valueLoss.mul(new Scalar(o.valueCoef())));
      Tensor entropy = null;
      if (p.entropy() != null) {
        entropy = Masked.mean(p.entropy(), mask);
        if (o.entropyCoef() > 0) {
          loss = loss.sub(entropy.mul(new Scalar(o.entropyCoef())));
        }
      }

      Map<String, Double> d = new LinkedHashMap<>();
      d.put("loss", Tensors.item(loss));
      d.put("policy_loss", Tensors.item(policyLoss));
      d.put("value_loss", Tensors.item(valueLoss));
      if (entropy != null) {
        d.put("entropy", Tensors.item(entropy));
      }
      if (valueClipFraction != null) {
        d.put("value_clip_fraction", Tensors.item(valueClipFraction));
      }
      d.putAll(surrogate);
      Tensor vd = v.detach();
      double varR = Tensors.item(Masked.variance(ret, mask));
      double varE = Tensors.item(Masked.variance(ret.sub(vd), mask));
      d.put("explained_variance", varR > 0 ? 1.0 - varE / varR : Double.NaN);
      return new LossResult(Tensors.keep(outer, loss), d);
    }
  }
}
