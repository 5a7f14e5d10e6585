package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.align4j.api.loss.PolicyLossProvider;
import org.align4j.api.loss.PreferenceLossProvider;
import org.align4j.api.loss.RewardModelLossProvider;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.Problem;
import org.align4j.core.recipe.YNode;
import org.align4j.core.recipe.YamlTree;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The loss options as a recipe binds them: keys, defaults, and refusals reported at the recipe location. */
class RecipeValidationTest {
  static PluginRegistry registry;

  @BeforeAll
  static void load() {
    registry = PluginRegistry.classpath();
  }

  static List<Problem> bind(Class<? extends org.align4j.api.Provider> kind, String yaml) {
    YNode root = YamlTree.parse(yaml, "recipe.yaml");
    var problems = new ArrayList<Problem>();
    new OptionsBinder(registry).bindComponent(kind, ((YNode.YMap) root).get("loss"), "stage 'x' option 'loss'",
        problems);
    return problems;
  }

  @Test
  void providersAreRegistered() {
    assertEquals(List.of("ranking", "ranking-multi"), registry.ids(RewardModelLossProvider.class).stream().sorted().toList());
    assertEquals(List.of("dpo", "ipo"), registry.ids(PreferenceLossProvider.class).stream().sorted().toList());
    assertEquals(List.of("ppo", "rloo"), registry.ids(PolicyLossProvider.class).stream().sorted().toList());
  }

  @Test
  void goodBlocksBindWithDefaults() {
    assertEquals(List.of(), bind(PreferenceLossProvider.class, "loss: {uses: dpo, beta: 0.1, nll_weight: 0.2}\n"));
    assertEquals(List.of(), bind(RewardModelLossProvider.class, "loss: {uses: ranking, margin: large}\n"));
    assertEquals(List.of(), bind(RewardModelLossProvider.class, "loss:\n  uses: ranking\n  margins:\n"
        + "    significantly_better: 1\n    better: 0.5\n    slightly_better: 0.25\n    negligibly_better: 0\n"));
    assertEquals(List.of(), bind(PolicyLossProvider.class, "loss: {uses: ppo, kl_coef: 0.005, lambda: 0.9}\n"));
    var o = new OptionsBinder(registry).bindPlain(DpoOptions.class, java.util.Map.of(), "dpo");
    assertEquals(new DpoOptions(0.1, 0.0, 0.0), o, "defaults");
    var p = new OptionsBinder(registry).bindPlain(PpoOptions.class, java.util.Map.of(), "ppo");
    assertEquals(PpoOptions.defaults(), p, "defaults");
    assertInstanceOf(RankingOptions.class, new OptionsBinder(registry).bindPlain(RankingOptions.class, java.util.Map.of(), "r"));
  }

  @Test
  void badOptionsAreReportedAtTheirLocation() {
    List<Problem> beta = bind(PreferenceLossProvider.class, "stages: []\nloss:\n  uses: dpo\n  beta: -0.1\n");
    assertEquals(1, beta.size(), beta.toString());
    assertEquals("recipe.yaml", beta.get(0).location().file());
    assertEquals(3, beta.get(0).location().line(), beta.toString());
    assertTrue(beta.get(0).message().contains("beta must be a finite number > 0"), beta.toString());

    List<Problem> table = bind(RewardModelLossProvider.class, "loss: {uses: ranking, margin: medium}\n");
    assertEquals(1, table.size(), table.toString());
    assertTrue(table.get(0).toString().startsWith("recipe.yaml:1:"), table.toString());
    assertTrue(table.get(0).message().contains("unknown margin table 'medium'"), table.toString());

    List<Problem> level = bind(RewardModelLossProvider.class,
        "loss: {uses: ranking, margins: {significantly_better: 1, better: 0.5, slightly_better: 0.2}}\n");
    assertEquals(1, level.size(), level.toString());
    assertTrue(level.get(0).message().contains("missing rating level negligibly_better"), level.toString());

    List<Problem> unknownKey = bind(PreferenceLossProvider.class, "loss: {uses: dpo, betta: 0.2}\n");
    assertTrue(unknownKey.get(0).message().contains("unknown option 'betta'"), unknownKey.toString());

    List<Problem> clip = bind(PolicyLossProvider.class, "loss: {uses: ppo, clip: 1.5}\n");
    assertTrue(clip.get(0).message().contains("clip must be in (0, 1)"), clip.toString());
  }
}
