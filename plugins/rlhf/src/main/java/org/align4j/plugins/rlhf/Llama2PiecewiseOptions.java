package org.align4j.plugins.rlhf;

import java.util.List;
import java.util.Locale;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.reward.RewardProvider;

/**
 * Options of {@code llama2-piecewise}.
 *
 * @param safety the safety reward (e.g. {@code {uses: reward-model, model: ...}})
 * @param helpfulness the helpfulness reward
 * @param threshold the safety probability below which the safety score is used; in [0, 1), 0: the tag alone decides
 *     (for a safety model whose level on untagged prompts is not calibrated: a ranking loss fixes only differences)
 * @param scores what the component rewards return: {@code logits} (raw scalar-head scores r, R = sigmoid(r))
 *     or {@code probabilities} (R itself, in [0, 1])
 * @param whiten whiten the combined logits over each batch scored together ({@code scoreAll})
 * @param safetyFields metadata fields that may tag a prompt as safety-relevant
 * @param safetyTag the tag that marks a prompt safety-relevant, found as a word of the field's value ({@code
 *     safety}, {@code safety,math}, {@code [safety, refusal]})
 */
public record Llama2PiecewiseOptions(
    @ComponentKind(RewardProvider.class) @Doc("the safety reward, e.g. {uses: reward-model, ...}") ComponentRef safety,
    @ComponentKind(RewardProvider.class) @Doc("the helpfulness reward") ComponentRef helpfulness,
    @Default("0.15") @Doc("use the safety score when sigmoid(safety score) is below this; in [0, 1); 0: only on"
        + " safety-tagged prompts") double threshold,
    @Default("logits") @Doc("what the component rewards return: logits (raw scores r) or probabilities (sigmoid(r))")
        String scores,
    @Default("true") @Doc("whiten the combined logits over each batch scored together") boolean whiten,
    @Default("[tags, domain]") @Doc("metadata fields that can tag a prompt safety-relevant") List<String> safetyFields,
    @Default("safety") @Doc("the tag that marks a prompt safety-relevant") String safetyTag) {

  public Llama2PiecewiseOptions {
    if (safety == null || helpfulness == null) {
      throw new IllegalArgumentException("llama2-piecewise needs both rewards: safety: {uses: ...} and"
          + " helpfulness: {uses: ...}");
    }
    if (!(threshold >= 0 && threshold < 1)) {
      throw new IllegalArgumentException("threshold must be in [0, 1) (Llama 2 uses 0.15; 0: the safety tag alone"
          + " decides), got " + threshold);
    }
    scores = scores == null ? "logits" : scores.trim().toLowerCase(Locale.ROOT);
    if (!scores.equals("logits") && !scores.equals("probabilities")) {
      throw new IllegalArgumentException("scores must be logits or probabilities, got '" + scores + "'");
    }
    safetyFields = safetyFields == null ? List.of("tags", "domain") : List.copyOf(safetyFields);
    safetyTag = safetyTag == null ? "safety" : safetyTag;
    if (safetyTag.isBlank()) {
      throw new IllegalArgumentException("safetyTag must not be blank");
    }
  }
}
