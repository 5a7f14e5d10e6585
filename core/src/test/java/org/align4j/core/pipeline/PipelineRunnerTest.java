package org.align4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.core.Align4j;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.RecipeLoader;
import org.align4j.core.recipe.ResolvedRecipe;
import org.align4j.core.recipe.YamlTree;
import org.align4j.core.testing.WriteTextStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineRunnerTest {
  @TempDir Path dir;
  final PluginRegistry registry = PluginRegistry.classpath();

  static final String RECIPE = """
      name: p
      stages:
        - {id: a, uses: write-text, options: {text: A}}
        - {id: b, uses: write-text, inputs: {prefix: "${stages.a.outputs.text}"}, options: {text: B}}
      """;

  ResolvedRecipe load(String yaml, String... sets) {
    return new RecipeLoader(registry, dir).load(YamlTree.parse(yaml, "p.yaml"), "p.yaml", List.of(sets));
  }

  @Test
  void runsInOrderThenSkipsFinishedStagesAndRerunsChangedOnes() throws Exception {
    int before = WriteTextStage.RUNS.get();
    var r1 = new PipelineRunner(registry).run(load(RECIPE));
    assertTrue(r1.ok());
    assertEquals(2, r1.count(StageOutcome.Status.RAN));
    assertEquals("AB", Files.readString(dir.resolve("runs/p/b/text")));
    assertEquals(before + 2, WriteTextStage.RUNS.get());

    var r2 = new PipelineRunner(registry).run(load(RECIPE));
    assertEquals(2, r2.count(StageOutcome.Status.SKIPPED));
    assertEquals(before + 2, WriteTextStage.RUNS.get());

    // changing a's options re-runs a and, through the fingerprint chain, b
    var r3 = new PipelineRunner(registry).run(load(RECIPE, "stages.a.options.text=Z"));
    assertEquals(2, r3.count(StageOutcome.Status.RAN));
    assertEquals("ZB", Files.readString(dir.resolve("runs/p/b/text")));

    // changing only b re-runs only b
    var r4 = new PipelineRunner(registry).run(load(RECIPE, "stages.a.options.text=Z", "stages.b.options.text=Q"));
    assertEquals(List.of(StageOutcome.Status.SKIPPED, StageOutcome.Status.RAN), r4.stages().stream().map(StageOutcome::status).toList());

    // the run directory records the resolved recipe, versions 
    assertTrue(Files.readString(dir.resolve("runs/p/recipe.resolved.yaml")).contains("text: \"Q\""));
    assertTrue(Files.readString(dir.resolve("runs/p/run.json")).contains("\"pytorch\""));
    assertEquals(4, Files.readAllLines(dir.resolve("runs/p/runs.jsonl")).size());
  }

  @Test
  void aFailedStageLeavesNoOutputAndStopsTheRun() {
    var r = new PipelineRunner(registry).run(load("""
        name: p
        stages:
          - {id: a, uses: write-text, options: {fail: true}}
          - {id: b, uses: write-text, inputs: {prefix: "${stages.a.outputs.text}"}}
        """));
    assertFalse(r.ok());
    assertEquals(StageOutcome.Status.FAILED, r.stages().get(0).status());
    assertTrue(r.stages().get(0).message().contains("asked to fail"), r.stages().get(0).message());
    assertEquals(StageOutcome.Status.NOT_RUN, r.stages().get(1).status());
    assertFalse(Files.exists(dir.resolve("runs/p/a/text")), "a failed stage must not publish its output");
    assertFalse(Files.exists(dir.resolve("runs/p/.align4j/stages/a.json")));
  }

  @Test
  void dryRunPlanShowsWhatWouldRun() {
    new PipelineRunner(registry).run(load(RECIPE));
    var plan = new PipelineRunner(registry).plan(load(RECIPE, "stages.b.options.text=C"));
    assertEquals(List.of(StageOutcome.Status.SKIPPED, StageOutcome.Status.NOT_RUN), plan.stream().map(StageOutcome::status).toList());
  }

  @Test
  void embeddingApiRunsOneStage() throws Exception {
    Path prefix = Files.writeString(dir.resolve("prefix.txt"), ">");
    var result = Align4j.create().workingDir(dir).stage("write-text")
        .input("prefix", prefix).option("text", "x").option("repeat", 3)
        .defaults(Map.of("seed", 3))
        .runIn(dir.resolve("emb"));
    assertTrue(result.ok());
    assertEquals(">xxx", Files.readString(dir.resolve("emb/write-text/text")));
    var bad = org.junit.jupiter.api.Assertions.assertThrows(org.align4j.core.recipe.RecipeException.class,
        () -> Align4j.create().stage("write-text").option("repeet", 3).runIn(dir.resolve("emb2")));
    assertTrue(bad.getMessage().contains("unknown option 'repeet' for stage 'write-text' (write-text); did you mean 'repeat'?"), bad.getMessage());
  }
}
