package org.align4j.plugins.losses;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.align4j.api.loss.Advantages;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.PolicyBatch;
import org.align4j.api.loss.PolicyLoss;
import org.align4j.api.loss.Rollout;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * RLOO without a critic. {@link #advantages}: a row's return is {@code R_i = score_i - klCoef sum_t (log pi_old -
 * log pi_ref)} over its unmasked tokens; its advantage is {@code R_i} minus the mean return of the other rows of its
 * group (the prompt's other samples; a row alone in its group keeps {@code R_i}), the same on each of its tokens,
 * then whitened over the rollout's tokens when {@code whitenAdvantages}. {@link #compute}: PPO's clipped surrogate
 * ({@link Ppo#clippedSurrogate}) and nothing else. Without a value model the advantage carries no critic's error:
 * at 1M parameters the fresh value head of {@code ppo} explained under 12% of the return's variance after 40
 * iterations, so most of its advantage was noise.
 */
final class Rloo implements PolicyLoss {
  private final RlooOptions o;

  Rloo(RlooOptions options) {
    this.o = options;
  }

  @Override
  public boolean usesValues() {
    return false;
  }

  @Override
  public boolean needsReference() {
    return o.klCoef() > 0;
  }

  @Override
  public Advantages advantages(Rollout r) {
    if (o.klCoef() > 0 && r.referenceLogProbs() == null) {
      throw new IllegalArgumentException("rloo with kl_coef " + o.klCoef() + " needs the reference log-probs in the rollout");
    }
    int b = (int) r.rows();
    int t = (int) r.logProbs().size(1);
    double[] lp = Tensors.toDoubles(r.logProbs());
    double[] ref = r.referenceLogProbs() == null ? null : Tensors.toDoubles(r.referenceLogProbs());
    double[] mask = Tensors.toDoubles(r.mask());
    double[] scores = Tensors.toDoubles(r.scores());
    double[] groups = r.groups() == null ? null : Tensors.toDoubles(r.groups());
    double[] ret = new double[b];
    double klSum = 0;
    double tokens = 0;
    for (int i = 0; i < b; i++) {
      double kl = 0;
      for (int j = 0; j < t; j++) {
        int k = i * t + j;
        if (mask[k] != 0) {
          tokens++;
          kl += ref == null ? 0.0 : lp[k] - ref[k];
        }
      }
      klSum += kl;
      ret[i] = scores[i] - o.klCoef() * kl;
    }
    Map<Double, double[]> sums = new HashMap<>(); // group -> {rows, sum of returns}
    for (int i = 0; i < b; i++) {
      double[] s = sums.computeIfAbsent(groups == null ? i : groups[i], g -> new double[2]);
      s[0]++;
      s[1] += ret[i];
    }
    double[] adv = new double[b * t];
    double advMean = 0;
    double n = Math.max(tokens, 1);
    for (int i = 0; i < b; i++) {
      double[] s = sums.get(groups == null ? (double) i : groups[i]);
      double a = s[0] > 1 ? ret[i] - (s[1] - ret[i]) / (s[0] - 1) : ret[i];
      for (int j = 0; j < t; j++) {
        int k = i * t + j;
        if (mask[k] != 0) {
          adv[k] = a;
          advMean += a / n;
        }
      }
    }
    double[] used = o.whitenAdvantages() ? Ppo.whiten(adv, mask, advMean, n) : adv;
    double scoreMean = 0;
    double retMean = 0;
    for (int i = 0; i < b; i++) {
      scoreMean += scores[i] / b;
      retMean += ret[i] / b;
    }
    Map<String, Double> d = new LinkedHashMap<>();
    d.put("score", scoreMean);
    d.put("kl", klSum / b);
    d.put("reward", retMean);
    d.put("advantage", advMean);
    d.put("response_length", tokens / b);
    Tensor like = r.logProbs();
    double[] rewards = new double[b * t]; // the sequence return at each row's last unmasked token
    for (int i = 0; i < b; i++) {
      for (int j = t - 1; j >= 0; j--) {
        if (mask[i * t + j] != 0) {
          rewards[i * t + j] = ret[i];
          break;
        }
      }
    }
    return new Advantages(Tensors.like(like, rewards, b, t), Tensors.like(like, used, b, t), null, d);
  }

  @Override
  public LossResult compute(PolicyBatch p) {
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope scope = new PointerScope()) {
      Map<String, Double> d = new LinkedHashMap<>();
      Tensor mask = Tensors.maskLike(p.mask(), p.logProbs());
      Tensor loss = Ppo.clippedSurrogate(p, mask, o.clip(), d);
      Map<String, Double> out = new LinkedHashMap<>();
      out.put("loss", Tensors.item(loss));
      out.put("policy_loss", Tensors.item(loss));
      out.putAll(d);
      return new LossResult(Tensors.keep(outer, loss), out);
    }
  }
}
