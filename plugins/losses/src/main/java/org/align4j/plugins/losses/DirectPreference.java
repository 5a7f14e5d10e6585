package org.align4j.plugins.losses;

import java.util.LinkedHashMap;
import java.util.Map;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.PreferenceBatch;
import org.align4j.api.loss.PreferenceLoss;
import org.align4j.api.loss.SequenceLogProbs;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * DPO and IPO on sequence log-probs. With {@code h = (pi_c - ref_c) - (pi_r - ref_r)}:
 *
 * <ul>
 *   <li>DPO: {@code -(1 - eps) log sigmoid(beta h) - eps log sigmoid(-beta h)} (eps: label smoothing);
 *   <li>IPO: {@code (h - 1 / (2 beta))^2}, optionally on length-normalised log-probs;
 * </ul>
 *
 * averaged over pairs, plus {@code nllWeight * mean(-pi_c / |c|)}.
 *
 * <p>Diagnostics: {@code loss}, {@code preference_loss}, {@code nll} (always reported), {@code accuracy}
 * (fraction of pairs with chosen reward &gt; rejected reward), {@code margin} (mean reward difference),
 * {@code chosen_reward}, {@code rejected_reward} (mean {@code beta (pi - ref)}), {@code logp_chosen}, {@code
 * logp_rejected} (mean summed policy log-probs).
 */
final class DirectPreference implements PreferenceLoss {
  enum Kind {
    DPO,
    IPO
  }

  private final Kind kind;
  private final double beta;
  private final double labelSmoothing;
  private final double nllWeight;
  private final boolean lengthNormalize;

  DirectPreference(Kind kind, double beta, double labelSmoothing, double nllWeight, boolean lengthNormalize) {
    this.kind = kind;
    this.beta = beta;
    this.labelSmoothing = labelSmoothing;
    this.nllWeight = nllWeight;
    this.lengthNormalize = lengthNormalize;
  }

  @Override
  public LossResult compute(PreferenceBatch batch) {
    if (!batch.hasReference()) {
      throw new IllegalArgumentException(kind.name().toLowerCase(java.util.Locale.ROOT)
          + " needs the reference log-probs of chosen and rejected responses");
    }
    PointerScope outer = PointerScope.getInnerScope();
    try (PointerScope scope = new PointerScope()) {
      SequenceLogProbs c = batch.chosen();
      SequenceLogProbs r = batch.rejected();
      Tensor pc = c.sum();
      Tensor pr = r.sum();
      Tensor rc = batch.referenceChosen().to(pc.device(), pc.scalar_type());
      Tensor rr = batch.referenceRejected().to(pc.device(), pc.scalar_type());
      Tensor chosenRatio = pc.sub(rc); // log pi_c - log ref_c
      Tensor rejectedRatio = pr.sub(rr);
      Tensor h;
      if (lengthNormalize) {
        Tensor nc = c.count().clamp_min(new Scalar(1.0));
        Tensor nr = r.count().clamp_min(new Scalar(1.0));
        h = chosenRatio.div(nc).sub(rejectedRatio.div(nr));
      } else {
        h = chosenRatio.sub(rejectedRatio);
      }
      Tensor pref;
      if (kind == Kind.DPO) {
        Tensor z = h.mul(new Scalar(beta));
        pref = torch.log_sigmoid(z).mul(new Scalar(-(1.0 - labelSmoothing)));
        if (labelSmoothing > 0) {
          pref = pref.sub(torch.log_sigmoid(z.neg()).mul(new Scalar(labelSmoothing)));
        }
        pref = pref.mean();
      } else {
        Tensor dev = h.sub(new Scalar(1.0 / (2.0 * beta)));
        pref = dev.mul(dev).mean();
      }
      Tensor nll = c.mean().neg().mean();
      Tensor loss = nllWeight > 0 ? pref.add(nll.mul(new Scalar(nllWeight))) : pref;

      double[] cr = Tensors.toDoubles(chosenRatio);
      double[] rj = Tensors.toDoubles(rejectedRatio);
      double[] hd = Tensors.toDoubles(h);
      double acc = 0;
      double margin = 0;
      double chosenReward = 0;
      double rejectedReward = 0;
      for (int i = 0; i < hd.length; i++) {
        acc += hd[i] > 0 ? 1 : 0;
        margin += beta * hd[i];
        chosenReward += beta * cr[i];
        rejectedReward += beta * rj[i];
      }
      int n = hd.length;
      Map<String, Double> d = new LinkedHashMap<>();
      d.put("loss", Tensors.item(loss));
      d.put("preference_loss", Tensors.item(pref));
      d.put("nll", Tensors.item(nll));
      d.put("accuracy", acc / n);
      d.put("margin", margin / n);
      d.put("chosen_reward", chosenReward / n);
      d.put("rejected_reward", rejectedReward / n);
      d.put("logp_chosen", Tensors.item(pc.mean()));
      d.put("logp_rejected", Tensors.item(pr.mean()));
      return new LossResult(Tensors.keep(outer, loss), d);
    }
  }
}
