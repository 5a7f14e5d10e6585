package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.loss.Advantages;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.PolicyBatch;
import org.align4j.api.loss.PolicyLoss;
import org.align4j.api.loss.PolicyLossProvider;
import org.align4j.api.loss.Rollout;
import org.align4j.toolkit.loss.Masked;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The policy SPI carries what a critic-free, group-relative loss needs: a GRPO-style provider written
 * against {@code align4j-api} only (as a third-party jar would be), checked by hand.
 */
class GrpoSpiTest extends TorchTestSupport {
  /** Group-relative advantages (score - group mean) / (group std + 1e-4), clipped surrogate + beta * k3 KL. */
  static final class Grpo implements PolicyLossProvider<Grpo.Options> {
    record Options(@Default("0.2") double clip, @Default("0.04") double beta) {}

    @Override
    public String id() {
      return "grpo";
    }

    @Override
    public Class<Options> optionsType() {
      return Options.class;
    }

    @Override
    public PolicyLoss create(Options o) {
      return new PolicyLoss() {
        @Override
        public boolean usesValues() {
          return false;
        }

        @Override
        public Advantages advantages(Rollout r) {
          int b = (int) r.rows();
          int t = (int) r.logProbs().size(1);
          double[] s = Tensors.toDoubles(r.scores());
          double[] g = r.groups() == null ? null : Tensors.toDoubles(r.groups());
          double[] m = Tensors.toDoubles(r.mask());
          Map<Double, double[]> stats = new HashMap<>(); // group -> {n, sum, sumsq}
          for (int i = 0; i < b; i++) {
            double[] st = stats.computeIfAbsent(g == null ? i : g[i], k -> new double[3]);
            st[0]++;
            st[1] += s[i];
            st[2] += s[i] * s[i];
          }
          double[] adv = new double[b * t];
          for (int i = 0; i < b; i++) {
            double[] st = stats.get(g == null ? (double) i : g[i]);
            double mean = st[1] / st[0];
            double sd = Math.sqrt(Math.max(st[2] / st[0] - mean * mean, 0));
            for (int j = 0; j < t; j++) {
              adv[i * t + j] = m[i * t + j] * (s[i] - mean) / (sd + 1e-4);
            }
          }
          Tensor a = Tensors.like(r.logProbs(), adv, b, t);
          return new Advantages(a, a, null, Map.of());
        }

        @Override
        public LossResult compute(PolicyBatch p) {
          PointerScope outer = PointerScope.getInnerScope();
          try (PointerScope scope = new PointerScope()) {
            Tensor ratio = p.logProbs().sub(p.oldLogProbs()).exp();
            Tensor clipped = ratio.clamp(new ScalarOptional(new Scalar(1 - o.clip())),
                new ScalarOptional(new Scalar(1 + o.clip())));
            Tensor surrogate = torch.maximum(p.advantages().neg().mul(ratio), p.advantages().neg().mul(clipped));
            Tensor d = p.referenceLogProbs().sub(p.logProbs());
            Tensor k3 = d.exp().sub(d).sub(new Scalar(1.0));
            Tensor loss = Masked.mean(surrogate.add(k3.mul(new Scalar(o.beta()))), p.mask());
            return new LossResult(Tensors.keep(outer, loss), Map.of("kl", Tensors.item(Masked.mean(k3, p.mask()))));
          }
        }
      };
    }
  }

  @Test
  void groupRelativeAdvantagesAndLossByHand() {
    PolicyLoss loss = new Grpo().create(new Grpo.Options(0.2, 0.04));
    try (PointerScope s = new PointerScope()) {
      double[] mask = {1, 1, 1, 0, 1, 0, 1, 1};
      double[] lp = {-1, -2, -0.5, 0, -1.5, 0, -0.7, -0.9};
      Rollout r = new Rollout(dbl(lp, 4, 2), dbl(lp, 4, 2), null, dbl(mask, 4, 2), vec(1, 3, 2, 2), null, null,
          Tensor.create(new long[] {7, 7, 9, 9}, 4));
      Advantages a = loss.advantages(r);
      // group 7: scores 1, 3 -> mean 2, std 1 -> -1, +1; group 9: equal scores -> 0
      double k = 1 / (1 + 1e-4);
      assertAllClose(new double[] {-k, -k, k, 0, 0, 0, 0, 0}, Tensors.toDoubles(a.advantages()), 1e-12, "advantages");
      // at the rollout policy (ratio 1, policy = reference): loss = mean over 6 tokens of -A = (2k - k) / 6
      Tensor x = param(lp, 4, 2);
      LossResult out = loss.compute(new PolicyBatch(x, dbl(lp, 4, 2), dbl(lp, 4, 2), null, null, a.advantages(), null,
          dbl(mask, 4, 2), null));
      assertEquals(k / 6, Tensors.item(out.loss()), 1e-12);
      assertEquals(0.0, out.diagnostic("kl"), 1e-15);
      out.loss().backward();
      // d/d logp of -A ratio at ratio 1 is -A / 6 (the k3 term has zero gradient at policy = reference)
      assertAllClose(new double[] {k / 6, k / 6, -k / 6, 0, 0, 0, 0, 0}, Tensors.toDoubles(x.grad()), 1e-12, "grad");
    }
  }
}
