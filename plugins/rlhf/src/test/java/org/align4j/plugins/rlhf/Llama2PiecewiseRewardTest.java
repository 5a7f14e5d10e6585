package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.NoOptions;
import org.align4j.api.Provider;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.core.inject.Services;
import org.align4j.core.metrics.MetricsHub;
import org.align4j.core.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;

class Llama2PiecewiseRewardTest {
  /** A reward that returns the number stored in the metadata under its own id. */
  static final class MetadataReward implements RewardProvider<NoOptions> {
    private final String id;

    MetadataReward(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Class<NoOptions> optionsType() {
      return NoOptions.class;
    }

    @Override
    public Reward create(NoOptions options) {
      return (prompt, response, metadata) -> new RewardResult(Double.parseDouble(metadata.get(id)), id);
    }
  }

  static final class FakeComponents implements Components {
    @Override
    @SuppressWarnings("unchecked")
    public <P extends Provider<?>> Bound<P> resolve(Class<? super P> kind, ComponentRef ref) {
      assertEquals(RewardProvider.class, kind);
      return new Bound<>((P) new MetadataReward(ref.uses()), new NoOptions());
    }

    @Override
    public <P extends Provider<?>> List<P> all(Class<? super P> kind) {
      return List.of();
    }
  }

  static Reward piecewise(String scores, boolean whiten) throws Exception {
    var p = new Llama2PiecewiseRewardProvider();
    p.setComponents(new FakeComponents());
    return p.create(new Llama2PiecewiseOptions(ComponentRef.of("s"), ComponentRef.of("h"), 0.15, scores, whiten, null,
        null));
  }

  static Map<String, String> row(double s, double h, String tags) {
    return tags == null ? Map.of("s", "" + s, "h", "" + h) : Map.of("s", "" + s, "h", "" + h, "tags", tags);
  }

  static final List<Message> PROMPT = List.of(Message.user("hi"));

  @Test
  void picksSafetyWhenTaggedOrBelowTheThreshold() throws Exception {
    Reward r = piecewise("logits", false);
    // tagged safety-relevant: safety score although sigmoid(2) = 0.88 is high
    assertEquals(new RewardResult(2.0, "safety"), r.score(PROMPT, "a", row(2.0, 1.0, "chat, safety")));
    // logit(0.15) = ln(0.15/0.85) = -1.7346...: sigmoid(-1.74) = 0.1493 < 0.15 -> safety
    assertEquals(new RewardResult(-1.74, "safety"), r.score(PROMPT, "a", row(-1.74, 0.7, null)));
    // sigmoid(-1.73) = 0.1506 >= 0.15 -> helpfulness
    assertEquals(new RewardResult(0.7, "helpfulness"), r.score(PROMPT, "a", row(-1.73, 0.7, null)));
    // the domain field of preference-style metadata also tags
    assertEquals("safety", r.score(PROMPT, "a", Map.of("s", "1", "h", "3", "domain", "safety")).label());
    assertEquals("helpfulness", r.score(PROMPT, "a", Map.of("s", "1", "h", "3", "domain", "helpfulness")).label());
    // a list column rendered with List.toString, and a tag that merely contains the word
    assertEquals("safety", r.score(PROMPT, "a", Map.of("s", "1", "h", "3", "tags", "[math, safety]")).label());
    assertEquals("helpfulness", r.score(PROMPT, "a", Map.of("s", "1", "h", "3", "tags", "[unsafety-free]")).label());
  }

  @Test
  void probabilitiesAreTurnedIntoLogits() throws Exception {
    Reward r = piecewise("probabilities", false);
    RewardResult unsafe = r.score(PROMPT, "a", row(0.1, 0.9, null));
    assertEquals("safety", unsafe.label());
    assertEquals(Math.log(0.1 / 0.9), unsafe.score(), 1e-12);
    RewardResult helpful = r.score(PROMPT, "a", row(0.5, 0.9, null));
    assertEquals("helpfulness", helpful.label());
    assertEquals(Math.log(0.9 / 0.1), helpful.score(), 1e-12);
  }

  @Test
  void scoreAllWhitensTheCombinedLogits() throws Exception {
    Reward r = piecewise("logits", true);
    List<Map<String, String>> meta = List.of(row(2.0, 1.0, "safety"), row(-3.0, 0.5, null), row(0.0, 4.0, null));
    List<List<Message>> prompts = new ArrayList<>(List.of(PROMPT, PROMPT, PROMPT));
    List<RewardResult> out = r.scoreAll(prompts, List.of("a", "b", "c"), meta);
    // combined: [2 (safety, tagged), -3 (safety, sigmoid(-3) = 0.047), 4 (helpfulness)]; mean 1, var 26/3
    double sd = Math.sqrt(26.0 / 3 + 1e-8);
    assertEquals(1.0 / sd, out.get(0).score(), 1e-12);
    assertEquals(-4.0 / sd, out.get(1).score(), 1e-12);
    assertEquals(3.0 / sd, out.get(2).score(), 1e-12);
    assertEquals(List.of("safety", "safety", "helpfulness"), out.stream().map(RewardResult::label).toList());
  }

  /** Threshold 0: the tag alone sends a prompt to the safety score, however low an untagged safety score is. */
  @Test
  void thresholdZeroLeavesTheChoiceToTheTag() throws Exception {
    var p = new Llama2PiecewiseRewardProvider();
    p.setComponents(new FakeComponents());
    Reward r = p.create(new Llama2PiecewiseOptions(ComponentRef.of("s"), ComponentRef.of("h"), 0.0, null, false, null,
        null));
    List<RewardResult> out = r.scoreAll(new ArrayList<>(List.of(PROMPT, PROMPT)), List.of("a", "b"),
        List.of(row(-30.0, 0.5, null), row(2.0, 1.0, "safety")));
    assertEquals(List.of("helpfulness", "safety"), out.stream().map(RewardResult::label).toList());
    assertEquals(0.5, out.get(0).score(), 1e-12);
    assertEquals(2.0, out.get(1).score(), 1e-12);
  }

  @Test
  void badOptionsAreRefused() {
    var missing = assertThrows(IllegalArgumentException.class,
        () -> new Llama2PiecewiseOptions(ComponentRef.of("s"), null, 0.15, null, true, null, null));
    assertTrue(missing.getMessage().contains("helpfulness"), missing.getMessage());
    var threshold = assertThrows(IllegalArgumentException.class,
        () -> new Llama2PiecewiseOptions(ComponentRef.of("s"), ComponentRef.of("h"), 1.5, null, true, null, null));
    assertTrue(threshold.getMessage().contains("[0, 1)"), threshold.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new Llama2PiecewiseOptions(ComponentRef.of("s"), ComponentRef.of("h"), -0.1, null, true, null, null));
    assertThrows(IllegalArgumentException.class,
        () -> new Llama2PiecewiseOptions(ComponentRef.of("s"), ComponentRef.of("h"), 0.15, "percent", true, null, null));
  }

  @Test
  void shapingHelpers() {
    assertEquals(0.0, RewardShaping.logit(0.5), 0);
    assertEquals(Math.log(3), RewardShaping.logit(0.75), 1e-15);
    assertTrue(Double.isFinite(RewardShaping.logit(1.0)));
    assertEquals(0.15, RewardShaping.sigmoid(Math.log(0.15 / 0.85)), 1e-15);
    assertEquals(-5.0, RewardShaping.piecewise(-5.0, 3.0, false, 0.15), 0);
    assertEquals(3.0, RewardShaping.piecewise(0.0, 3.0, false, 0.15), 0);
    assertEquals(0.0, RewardShaping.piecewise(0.0, 3.0, true, 0.15), 0);
  }

  @Test
  void providerIsFoundById() {
    var rewards = new java.util.TreeSet<String>();
    java.util.ServiceLoader.load(org.align4j.api.reward.RewardProvider.class).forEach(p -> rewards.add(p.id()));
    assertTrue(rewards.contains("llama2-piecewise"), rewards.toString());
  }

  @Test
  void stagesResolveThePiecewiseRewardById() throws Exception {
    try (MetricsHub hub = new MetricsHub()) {
      Services services = new Services(PluginRegistry.classpath(), RecipeDefaults.of(Map.of("threads", 1)), hub);
      Components components = services.get(Components.class);

      @SuppressWarnings({"unchecked", "rawtypes"})
      Components.Bound<RewardProvider<?>> bound = components.resolve((Class) RewardProvider.class,
          new ComponentRef("llama2-piecewise", Map.of(
              "safety", Map.of("uses", "test-key", "key", "s"),
              "helpfulness", Map.of("uses", "test-key", "key", "h"),
              "whiten", false)));
      @SuppressWarnings({"unchecked", "rawtypes"})
      Reward reward = ((RewardProvider) bound.provider()).create(bound.options());
      var p = List.of(Message.user("q"));
      assertEquals(new RewardResult(-3.0, "safety"), reward.score(p, "a", Map.of("s", "-3", "h", "1")));
      assertEquals(new RewardResult(1.0, "helpfulness"), reward.score(p, "a", Map.of("s", "0", "h", "1")));
    }
  }
}
