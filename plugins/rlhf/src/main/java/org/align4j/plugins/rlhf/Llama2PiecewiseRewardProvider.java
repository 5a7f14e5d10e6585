package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.align4j.api.Components;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;

/**
 * {@code llama2-piecewise}: Llama 2's PPO reward. Scores a response with a safety and a helpfulness reward,
 * keeps the safety score when the prompt is tagged safety-relevant or {@code sigmoid(safety) < threshold},
 * else the helpfulness score, as a logit ({@code logit(R_c)}); {@code scoreAll} whitens the batch. Labels:
 * {@code safety} or {@code helpfulness}, saying which score was kept.
 */
public final class Llama2PiecewiseRewardProvider implements RewardProvider<Llama2PiecewiseOptions> {
  private Components components;

  @Inject
  public void setComponents(Components components) {
    this.components = components;
  }

  @Override
  public String id() {
    return "llama2-piecewise";
  }

  @Override
  public Class<Llama2PiecewiseOptions> optionsType() {
    return Llama2PiecewiseOptions.class;
  }

  @Override
  public String description() {
    return "Llama 2 PPO reward: safety RM if the prompt is safety-tagged or sigmoid(safety) < 0.15, else helpfulness"
        + " RM; whiten(logit(R))";
  }

  @Override
  public Reward create(Llama2PiecewiseOptions o) throws Exception {
    if (components == null) {
      throw new IllegalStateException("llama2-piecewise needs the Components service injected");
    }
    Reward safety = RewardProvider.resolve(components, o.safety());
    return new Piecewise(safety, RewardProvider.resolve(components, o.helpfulness()), o);
  }

  static final class Piecewise implements Reward {
    private final Reward safety;
    private final Reward helpfulness;
    private final Llama2PiecewiseOptions o;

    Piecewise(Reward safety, Reward helpfulness, Llama2PiecewiseOptions o) {
      this.safety = safety;
      this.helpfulness = helpfulness;
      this.o = o;
    }

    private double logit(double s) {
      return o.scores().equals("probabilities") ? RewardShaping.logit(s) : s;
    }

    boolean safetyRelevant(Map<String, String> metadata) {
      if (metadata == null) {
        return false;
      }
      for (String field : o.safetyFields()) {
        String v = metadata.get(field);
        if (v == null) {
          continue;
        }
        for (String tag : v.toLowerCase(Locale.ROOT).split("[^a-z0-9_.-]+")) {
          if (tag.equals(o.safetyTag().toLowerCase(Locale.ROOT))) {
            return true;
          }
        }
      }
      return false;
    }

    private RewardResult combine(RewardResult s, RewardResult h, Map<String, String> metadata) {
      double ls = logit(s.score());
      boolean useSafety = RewardShaping.useSafety(ls, safetyRelevant(metadata), o.threshold());
      return useSafety ? new RewardResult(ls, "safety") : new RewardResult(logit(h.score()), "helpfulness");
    }

    /** One response: the combined logit, not whitened (a single score has nothing to whiten against). */
    @Override
    public RewardResult score(List<Message> prompt, String response, Map<String, String> metadata) {
      return combine(safety.score(prompt, response, metadata), helpfulness.score(prompt, response, metadata), metadata);
    }

    @Override
    public List<RewardResult> scoreAll(List<List<Message>> prompts, List<String> responses,
        List<Map<String, String>> metadata) {
      List<RewardResult> s = safety.scoreAll(prompts, responses, metadata);
      List<RewardResult> h = helpfulness.scoreAll(prompts, responses, metadata);
      List<RewardResult> combined = new ArrayList<>(s.size());
      double[] x = new double[s.size()];
      for (int i = 0; i < s.size(); i++) {
        combined.add(combine(s.get(i), h.get(i), metadata.get(i)));
        x[i] = combined.get(i).score();
      }
      if (!o.whiten()) {
        return combined;
      }
      double[] w = RewardShaping.whiten(x);
      List<RewardResult> out = new ArrayList<>(w.length);
      for (int i = 0; i < w.length; i++) {
        out.add(new RewardResult(w[i], combined.get(i).label()));
      }
      return out;
    }
  }
}
