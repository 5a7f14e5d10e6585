package org.align4j.plugins.data.tasks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.align4j.api.data.Schemas;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;

/**
 * A seeded stand-in for the papers' human annotators: given a prompt and two responses, picks the one
 * with the higher true reward (plus Gaussian noise, so close pairs are sometimes flipped), rates the
 * difference on Llama 2's four-level scale from the noisy gap, labels safety pairs, and (Llama 3) edits
 * an imperfect chosen response into the reference answer.
 *
 * <p>Safety prompts go to the {@code safety} domain, all others to {@code helpfulness}. As in Llama 2, a
 * safety pair never has an unsafe chosen response with a safe rejected one: the safe one is chosen.
 */
public final class Annotator {
  private final Reward overall;
  private final Reward safety;
  private final Random rng;
  private final double noise;
  private final double editProbability;
  private final double[] thresholds;

  /**
   * @param noise standard deviation of the Gaussian noise added to each true score (0.1 default)
   * @param editProbability probability of editing an imperfect chosen response (Llama 3)
   * @param thresholds noisy-gap thresholds for significantly better, better, slightly better (descending);
   *     below the last: negligibly better
   */
  public Annotator(long seed, double noise, double editProbability, double[] thresholds) {
    if (noise < 0) {
      throw new IllegalArgumentException("annotator noise must be >= 0, got " + noise);
    }
    if (editProbability < 0 || editProbability > 1) {
      throw new IllegalArgumentException("edit probability must be in [0, 1], got " + editProbability);
    }
    if (thresholds.length != 3 || !(thresholds[0] >= thresholds[1] && thresholds[1] >= thresholds[2])) {
      throw new IllegalArgumentException("rating thresholds must be 3 descending numbers, got "
          + java.util.Arrays.toString(thresholds));
    }
    this.overall = new TaskSuiteReward(Checker.Aspect.OVERALL);
    this.safety = new TaskSuiteReward(Checker.Aspect.SAFETY);
    this.rng = new Random(seed);
    this.noise = noise;
    this.editProbability = editProbability;
    this.thresholds = thresholds.clone();
  }

  public Annotator(long seed) {
    this(seed, 0.1, 1.0, new double[] {0.5, 0.25, 0.1});
  }

  /** The rating level for a (noisy) reward gap. */
  public String rating(double gap) {
    if (gap >= thresholds[0]) {
      return Schemas.RATINGS.get(0);
    }
    if (gap >= thresholds[1]) {
      return Schemas.RATINGS.get(1);
    }
    if (gap >= thresholds[2]) {
      return Schemas.RATINGS.get(2);
    }
    return Schemas.RATINGS.get(3);
  }

  /**
   * A preference row ({@link Schemas#PREFERENCES} plus the task fields) for two responses to
   * {@code prompt}; {@code metadata} is the task row's metadata ({@link Rows#metadata}).
   */
  public Map<String, Object> annotate(List<Message> prompt, Map<String, String> metadata, String a, String b) {
    RewardResult ra = overall.score(prompt, a, metadata);
    RewardResult rb = overall.score(prompt, b, metadata);
    double na = ra.score() + noise * rng.nextGaussian();
    double nb = rb.score() + noise * rng.nextGaussian();
    boolean aFirst = na >= nb;
    String domain = "safety".equals(metadata.get(Schemas.DOMAIN)) ? "safety" : "helpfulness";
    String safetyLabel = null;
    if (domain.equals("safety")) {
      boolean sa = safety.score(prompt, a, metadata).score() >= 0.5;
      boolean sb = safety.score(prompt, b, metadata).score() >= 0.5;
      if (sa != sb) {
        aFirst = sa;
        safetyLabel = Schemas.SAFETY_LABELS.get(0);
      } else {
        safetyLabel = sa ? Schemas.SAFETY_LABELS.get(1) : Schemas.SAFETY_LABELS.get(2);
      }
    }
    String chosen = aFirst ? a : b;
    String rejected = aFirst ? b : a;
    double chosenTrue = aFirst ? ra.score() : rb.score();
    double gap = Math.abs(na - nb);
    if (chosen.equals(rejected)) {
      gap = 0;
    }
    String edited = null;
    String reference = metadata.get(Schemas.REFERENCE);
    if (reference != null && chosenTrue < 0.999 && rng.nextDouble() < editProbability && !reference.equals(chosen)) {
      edited = reference;
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(Schemas.PROMPT, Rows.conversation(prompt));
    row.put(Schemas.CHOSEN, chosen);
    row.put(Schemas.REJECTED, rejected);
    row.put(Schemas.EDITED, edited);
    row.put(Schemas.RATING, rating(gap));
    row.put(Schemas.DOMAIN, domain);
    row.put(Schemas.SAFETY_LABEL, safetyLabel);
    row.put(Schemas.TASK, metadata.get(Schemas.TASK));
    row.put(Schemas.REFERENCE, reference);
    row.put(Schemas.CHECK, metadata.get(Schemas.CHECK));
    row.put("task_domain", metadata.get(Schemas.DOMAIN));
    row.put("chosen_reward", (float) chosenTrue);
    row.put("rejected_reward", (float) (aFirst ? rb.score() : ra.score()));
    return row;
  }
}
