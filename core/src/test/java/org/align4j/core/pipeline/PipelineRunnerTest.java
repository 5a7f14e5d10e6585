package org.align4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.core.Align4j;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.RecipeException;
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

  /**
   * Two runs on one registry (an embedding server) each get their own provider instance with their own run's
   * services; the first run's instance keeps what it was given. Before: one registry singleton, re-injected.
   */
  @Test
  void eachRunGetsItsOwnProviderInstanceAndServices() throws Exception {
    org.align4j.core.testing.InjectedStage.SEEN.clear();
    String yaml = "name: i\nstages:\n  - {id: x, uses: test-injected}\n";
    assertTrue(new PipelineRunner(registry).run(load(yaml, "run_dir=runs/i1")).ok());
    assertTrue(new PipelineRunner(registry).run(load(yaml, "run_dir=runs/i2")).ok());
    var seen = org.align4j.core.testing.InjectedStage.SEEN;
    assertEquals(2, seen.size());
    assertTrue(seen.get(0).stage() != seen.get(1).stage(), "a new provider instance per run");
    assertTrue(seen.get(0).injected() != seen.get(1).injected(), "each run's own engine services");
    assertTrue(seen.get(0).stage().models == seen.get(0).injected(), "the first run's instance was not re-injected");
    var registered = registry.find(org.align4j.api.stage.Stage.class, "test-injected").orElseThrow().provider();
    assertTrue(((org.align4j.core.testing.InjectedStage) registered).models == null,
        "the registry's instance (listings, validation) gets no run's services");
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

  /**
   * The state a {@code kill -9} leaves in the middle of replacing outputs (the old output renamed aside, the new one
   * beside it, a temporary sibling of a run file): the next run restores the old output, so the finished stage is
   * skipped, and deletes the rest, naming each in a warning. Before: the stage re-ran and the leftovers stayed.
   */
  @Test
  void leftoversOfAKilledReplaceAreRestoredOrRemovedOnTheNextRun() throws Exception {
    assertTrue(new PipelineRunner(registry).run(load(RECIPE)).ok());
    Path runDir = dir.resolve("runs/p");
    Path aText = runDir.resolve("a/text");
    long dead = deadPid();
    Path aside = runDir.resolve("a/.text.old-" + dead + "-1f2e3d.tmp");
    Files.move(aText, aside);
    Path incoming = Files.writeString(runDir.resolve("a/.text.new-" + dead + "-4c5b6a.tmp"), "half");
    Path tmpRunJson = Files.writeString(runDir.resolve(".run.json." + dead + "-123456789.tmp"), "{");
    Path olderStyle = Files.writeString(runDir.resolve(".recipe.resolved.yaml.8123456789012345.tmp"), "x");
    Path notOurs = Files.writeString(runDir.resolve("a/.text.old-notapid.tmp"), "keep");
    int before = WriteTextStage.RUNS.get();

    var r = new PipelineRunner(registry).run(load(RECIPE));
    assertEquals(2, r.count(StageOutcome.Status.SKIPPED), r.toString());
    assertEquals(before, WriteTextStage.RUNS.get());
    assertEquals("A", Files.readString(aText));
    for (Path p : List.of(aside, incoming, tmpRunJson, olderStyle)) {
      assertFalse(Files.exists(p), p + " is still there");
    }
    assertTrue(Files.exists(notOurs));

    // a leftover beside an output that is there: deleted on the next run, which re-runs b
    Files.writeString(runDir.resolve("b/.text.old-" + dead + "-77.tmp"), "stale");
    assertTrue(new PipelineRunner(registry).run(load(RECIPE, "stages.b.options.text=C")).ok());
    assertEquals("AC", Files.readString(runDir.resolve("b/text")));
    try (var s = Files.list(runDir.resolve("b"))) {
      assertEquals(List.of("text"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  /**
   * Outputs outside the run directory only with the recipe's explicit output_roots, and even then never a root
   * itself, a parent of the run directory, an input, or inside another run directory (issue 15).
   */
  @Test
  void outputsOutsideTheRunDirectoryOnlyInsideDeclaredOutputRoots() throws Exception {
    Path shared = Files.createDirectories(dir.resolve("shared"));
    String yaml = """
        name: p
        %s
        stages:
          - {id: a, uses: write-text, outputs: {text: %s}, options: {text: A}}
          - {id: b, uses: write-text, inputs: {prefix: "${stages.a.outputs.text}"}, options: {text: B}}
        """;
    var refused = assertThrows(RecipeException.class, () -> load(yaml.formatted("", shared.resolve("a.txt"))));
    assertTrue(refused.getMessage().contains("outside the run directory") && refused.getMessage().contains("output_roots: ["
        + shared + "]"), refused.getMessage());

    var r = load(yaml.formatted("output_roots: [" + shared + "]", shared.resolve("a.txt")));
    assertEquals(List.of(shared), r.outputRoots());
    assertTrue(new PipelineRunner(registry).run(r).ok());
    assertEquals("A", Files.readString(shared.resolve("a.txt")));
    assertEquals("AB", Files.readString(dir.resolve("runs/p/b/text")));
    assertEquals(2, new PipelineRunner(registry).run(r).count(StageOutcome.Status.SKIPPED));

    Files.createDirectories(shared.resolve("other-run/.align4j"));
    Path input = Files.writeString(shared.resolve("in.txt"), "x");
    for (String[] c : new String[][] {
        {"output_roots: [" + shared + "]", shared.toString(), "an output root itself"},
        {"output_roots: [" + dir + "]", shared.resolve("a.txt").toString(), "contains the run directory"},
        {"output_roots: [" + dir.resolve("runs/p/x") + "]", "a/text", "inside the run directory"},
        {"output_roots: [" + shared + "]", shared.resolve("other-run/m").toString(), "another align4j run directory"},
        {"output_roots: [" + shared + "]", shared.resolve("other-run/.align4j/m").toString(), "keeps for itself"},
        {"output_roots: [" + shared + "]", dir.toString(), "contains the run directory"},
        {"output_roots: " + shared, shared.resolve("a.txt").toString(), "must be a list"}}) {
      var e = assertThrows(RecipeException.class, () -> load(yaml.formatted(c[0], c[1])), String.join(" ", c));
      assertTrue(e.getMessage().contains(c[2]), c[2] + " not in " + e.getMessage());
    }
    var asInput = assertThrows(RecipeException.class, () -> load("""
        name: p
        output_roots: [%s]
        stages:
          - {id: a, uses: write-text, outputs: {text: %s}}
          - {id: b, uses: write-text, inputs: {prefix: %s}}
        """.formatted(shared, input, input)));
    assertTrue(asInput.getMessage().contains("input 'prefix' of stage 'b'"), asInput.getMessage());
    assertEquals("x", Files.readString(input));
  }

  /** The id of a process that has ended. */
  static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
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

  @Test
  void anOutputDeclaredAsTheParentOfTheRunDirectoryIsRefusedAndNothingIsDeleted() throws Exception {
    Path sentinel = Files.writeString(Files.createDirectories(dir.resolve("runs")).resolve("sentinel.txt"), "keep me");
    var e = assertThrows(Align4jException.class, () -> new PipelineRunner(registry).run(load("""
        name: p
        stages:
          - {id: a, uses: write-text, outputs: {text: ..}}
        """)));
    assertTrue(Files.exists(sentinel), "the file beside the run directory was deleted");
    assertTrue(e instanceof RecipeException, e.toString());
  }

  @Test
  void rerunningAStageReplacesItsOutputAndLeavesNothingBeside() throws Exception {
    var r1 = new PipelineRunner(registry).run(load(RECIPE));
    assertTrue(r1.ok());
    var r2 = new PipelineRunner(registry).run(load(RECIPE, "stages.a.options.text=Z"), java.util.Set.of());
    assertTrue(r2.ok());
    assertEquals("Z", Files.readString(dir.resolve("runs/p/a/text")));
    assertEquals("ZB", Files.readString(dir.resolve("runs/p/b/text")));
    try (var s = Files.list(dir.resolve("runs/p/a"))) {
      assertEquals(List.of("text"), s.map(x -> x.getFileName().toString()).toList());
    }
  }

  @Test
  void anOutputThatCannotBePublishedIsAFailedStageNamingThePathAndKeepsTheNewOutput() throws Exception {
    Path blocker = Files.writeString(Files.createDirectories(dir.resolve("runs/p")).resolve("blocker"), "a file of mine");
    var r = new PipelineRunner(registry).run(load("""
        name: p
        stages:
          - {id: a, uses: write-text, outputs: {text: blocker/text}, options: {text: new}}
        """));
    assertFalse(r.ok());
    var a = r.stages().get(0);
    assertEquals(StageOutcome.Status.FAILED, a.status());
    assertTrue(a.message().startsWith("output 'text': cannot put the new text in place at " + blocker.resolve("text")
        + ": a file is in the way: " + blocker), a.message());
    Path kept = dir.resolve("runs/p/.align4j/tmp/a/text");
    assertTrue(a.message().endsWith("the new one is at " + kept), a.message());
    assertEquals("new", Files.readString(kept));
    assertEquals("a file of mine", Files.readString(blocker));
    assertTrue(Files.readString(dir.resolve("runs/p/run.json")).contains("\"failed\""));
  }

  @Test
  void aRunFileThatCannotBeWrittenIsNamedAndLeavesNoTemporaryFile() throws Exception {
    Path runDir = dir.resolve("runs/p");
    // a non-empty directory where the file belongs: the rename fails the way a full or read-only disk fails
    Files.writeString(Files.createDirectories(runDir.resolve("recipe.resolved.yaml")).resolve("x"), "x");
    var e = assertThrows(Align4jException.class, () -> new PipelineRunner(registry).run(load(RECIPE)));
    assertTrue(e.getMessage().startsWith("cannot write " + runDir.resolve("recipe.resolved.yaml") + ": "), e.getMessage());
    assertFalse(e.getMessage().contains("lock"), e.getMessage());
    assertEquals(List.of(), strays(runDir));

    Files.delete(runDir.resolve("recipe.resolved.yaml/x"));
    Files.delete(runDir.resolve("recipe.resolved.yaml"));
    Files.writeString(Files.createDirectories(runDir.resolve("run.json")).resolve("x"), "x");
    var e2 = assertThrows(Align4jException.class, () -> new PipelineRunner(registry).run(load(RECIPE)));
    assertTrue(e2.getMessage().startsWith("cannot write " + runDir.resolve("run.json") + ": "), e2.getMessage());
    assertEquals(List.of(), strays(runDir));
    // the stages themselves finished and are kept: the next run skips them
    Files.delete(runDir.resolve("run.json/x"));
    Files.delete(runDir.resolve("run.json"));
    assertEquals(2, new PipelineRunner(registry).run(load(RECIPE)).count(StageOutcome.Status.SKIPPED));
  }

  /** Temporary files left anywhere in the run directory (names holding "tmp", outside the runner's own tmp area). */
  static List<String> strays(Path runDir) throws java.io.IOException {
    try (var s = Files.walk(runDir)) {
      return s.filter(p -> !p.startsWith(runDir.resolve(".align4j/tmp")) && p.getFileName().toString().contains("tmp"))
          .map(Path::toString).toList();
    }
  }

  @Test
  void fatalErrorsPropagateAfterTheRunRecordMarksTheStageInterrupted() throws Exception {
    String recipe = """
        name: p
        stages:
          - {id: a, uses: write-text}
          - {id: b, uses: throw, inputs: {after: "${stages.a.outputs.text}"}, options: {error: oom}}
          - {id: c, uses: write-text, inputs: {prefix: "${stages.b.outputs.text}"}}
        """;
    var oom = assertThrows(OutOfMemoryError.class, () -> new PipelineRunner(registry).run(load(recipe)));
    assertEquals("simulated: Java heap space", oom.getMessage());
    var run = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("runs/p/run.json").toFile());
    assertFalse(run.get("ok").asBoolean());
    assertEquals(List.of("ran", "interrupted", "not_run"), java.util.stream.StreamSupport
        .stream(run.get("stages").spliterator(), false).map(n -> n.get("status").asText()).toList());
    assertTrue(run.get("stages").get(1).get("message").asText().contains("OutOfMemoryError"), run.toString());
    assertEquals(1, Files.readAllLines(dir.resolve("runs/p/runs.jsonl")).size());
    assertThrows(StackOverflowError.class, () -> new PipelineRunner(registry).run(load(recipe, "stages.b.options.error=stack")));
    assertThrows(InternalError.class, () -> new PipelineRunner(registry).run(load(recipe, "stages.b.options.error=internal")));

    // the lock was released and the finished stage is kept; ordinary throwables are a failed stage
    for (String kind : List.of("runtime", "assertion", "linkage")) {
      var r = new PipelineRunner(registry).run(load(recipe, "stages.b.options.error=" + kind));
      assertEquals(List.of(StageOutcome.Status.SKIPPED, StageOutcome.Status.FAILED, StageOutcome.Status.NOT_RUN),
          r.stages().stream().map(StageOutcome::status).toList(), kind);
    }
  }

  @Test
  void outcomesExposeEachStageOutputPaths() {
    var r1 = new PipelineRunner(registry).run(load(RECIPE));
    Path runDir = dir.resolve("runs/p");
    assertEquals(Map.of("text", runDir.resolve("a/text")), r1.stages().get(0).outputs());
    assertEquals(runDir.resolve("b/text"), r1.output("b", "text"));
    var r2 = new PipelineRunner(registry).run(load(RECIPE));
    assertEquals(StageOutcome.Status.SKIPPED, r2.stages().get(1).status());
    assertEquals(Map.of("text", runDir.resolve("b/text")), r2.stages().get(1).outputs());
    var failed = new PipelineRunner(registry).run(load(RECIPE, "stages.b.options.fail=true"));
    assertEquals(Map.of(), failed.stages().get(1).outputs());
    var e = assertThrows(IllegalArgumentException.class, () -> failed.output("b", "text"));
    assertTrue(e.getMessage().contains("stage 'b' has no output 'text' in this run (failed)"), e.getMessage());
  }

  @Test
  void eachRunKeepsTheResolvedRecipeOfEarlierRuns() throws Exception {
    new PipelineRunner(registry).run(load(RECIPE));
    new PipelineRunner(registry).run(load(RECIPE, "stages.b.options.text=Q"));
    Path runDir = dir.resolve("runs/p");
    assertTrue(Files.readString(runDir.resolve("recipe.resolved.yaml")).contains("text: \"Q\""));
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var lines = Files.readAllLines(runDir.resolve("runs.jsonl"));
    assertEquals(2, lines.size());
    // each run's line names the resolved recipe it ran, kept under .align4j/history
    String first = Files.readString(runDir.resolve(json.readTree(lines.get(0)).get("recipe_resolved").asText()));
    String second = Files.readString(runDir.resolve(json.readTree(lines.get(1)).get("recipe_resolved").asText()));
    assertTrue(first.contains("text: \"B\"") && !first.contains("text: \"Q\""), first);
    assertEquals(Files.readString(runDir.resolve("recipe.resolved.yaml")), second);
  }
}
