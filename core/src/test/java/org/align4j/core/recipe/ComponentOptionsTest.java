package org.align4j.core.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.core.pipeline.PipelineRunner;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.testing.ConstantReward;
import org.align4j.core.testing.PlusReward;
import org.align4j.core.testing.ScoreStage;
import org.align4j.core.testing.WriteTextStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Component options and defaults are bound once, at recipe load, and the run uses those records. */
class ComponentOptionsTest {
  @TempDir Path dir;
  final PluginRegistry registry = PluginRegistry.classpath();

  static final String RECIPE = """
      name: c
      stages:
        - id: first
          uses: write-text
          options: {text: A}
        - id: s
          uses: test-score
          options:
            reward:
              uses: test-plus
              add: 1
              inner: {uses: test-constant, value: 2}
      """;

  ResolvedRecipe load(String yaml) {
    return new RecipeLoader(registry, dir).load(YamlTree.parse(yaml, "c.yaml"), "c.yaml", List.of());
  }

  @Test
  void badNestedComponentOptionIsReportedAtItsRecipeLineBeforeAnyStageRuns() {
    int runs = WriteTextStage.RUNS.get();
    var unknown = assertThrows(RecipeException.class, () -> load(RECIPE.replace("value: 2", "valeu: 2")));
    assertEquals(1, unknown.problems().size(), unknown.getMessage());
    Problem p = unknown.problems().get(0);
    assertEquals("c.yaml", p.location().file());
    assertEquals(12, p.location().line(), p.toString());
    assertTrue(p.message().contains("unknown option 'valeu' for reward 'test-constant'; did you mean 'value'?"), p.toString());

    // a value the nested record's own check refuses: reported at the nested block, not at a made-up place
    var refused = assertThrows(RecipeException.class, () -> load(RECIPE.replace("value: 2", "value: -2")));
    Problem q = refused.problems().get(0);
    assertEquals(12, q.location().line(), q.toString());
    assertTrue(q.message().contains("value must be >= 0, got -2.0"), q.toString());

    assertEquals(runs, WriteTextStage.RUNS.get(), "no stage ran");
    assertFalse(Files.exists(dir.resolve("runs/c")), "nothing was written");
  }

  @Test
  void theRunUsesTheRecordsBoundAtLoad() throws Exception {
    ScoreStage.SEEN.clear();
    PlusReward.INNER_OPTIONS.clear();
    ResolvedRecipe recipe = load(RECIPE);
    var options = (ScoreStage.Options) recipe.stage("s").orElseThrow().options();
    var plus = assertInstanceOf(PlusReward.Options.class, options.reward().boundOptions());
    assertEquals(1.0, plus.add());
    assertEquals(new ConstantReward.Options(2.0), plus.inner().boundOptions());

    assertTrue(new PipelineRunner(registry).run(recipe).ok());
    assertEquals("3.0", Files.readString(recipe.stage("s").orElseThrow().outputs().get("score")));
    assertSame(plus, ScoreStage.SEEN.get(0).rewardOptions(), "the stage's component options are the loaded record");
    assertSame(plus.inner().boundOptions(), PlusReward.INNER_OPTIONS.get(0), "and so are the nested component's");
  }

  @Test
  void defaultsAreTypedOnceWithOneFallbackEach() throws Exception {
    ScoreStage.SEEN.clear();
    ResolvedRecipe plain = load(RECIPE);
    assertEquals(new RecipeDefaults("cpu", 17L, 0, "float32", "llama3", null, null), plain.settings());
    assertEquals(RecipeDefaults.of(plain.defaults()), plain.settings());

    ResolvedRecipe given = load(RECIPE.replace("stages:\n", """
        defaults: {seed: 5, threads: 1, chat_format: llama2, tokenizer: "${run_dir}/tok"}
        stages:
        """));
    RecipeDefaults d = given.settings();
    assertEquals(5L, d.seed());
    assertEquals(5L, given.seed());
    assertEquals(1, d.threads());
    assertEquals("llama2", d.chatFormat());
    assertEquals(dir.resolve("runs/c/tok"), d.tokenizer());
    assertEquals("cpu", d.device());
    assertTrue(new PipelineRunner(registry).run(given).ok());
    assertEquals(d, ScoreStage.SEEN.get(0).defaults(), "a stage reads the same record");
  }
}
