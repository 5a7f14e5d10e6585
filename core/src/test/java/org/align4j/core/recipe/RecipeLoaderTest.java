package org.align4j.core.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.testing.WriteTextStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeLoaderTest {
  @TempDir Path dir;
  final PluginRegistry registry = PluginRegistry.classpath();

  ResolvedRecipe load(String yaml, String... sets) {
    return new RecipeLoader(registry, dir).load(YamlTree.parse(yaml, "r.yaml"), "r.yaml", List.of(sets));
  }

  RecipeException fail(String yaml, String... sets) {
    return assertThrows(RecipeException.class, () -> load(yaml, sets));
  }

  @Test
  void resolvesReferencesOrderAndDefaults() {
    var r = load("""
        name: t
        vars: {greeting: hi}
        stages:
          - id: b
            uses: write-text
            inputs: {prefix: "${stages.a.outputs.text}"}
            options: {text: "${vars.greeting}-b", repeat: 2}
          - id: a
            uses: write-text
            outputs: {text: out/a.txt}
        """);
    assertEquals(List.of("a", "b"), r.stages().stream().map(ResolvedStage::id).toList());
    var b = r.stage("b").orElseThrow();
    assertEquals(dir.resolve("runs/t/out/a.txt"), b.inputs().get("prefix").path());
    assertEquals("a", b.inputs().get("prefix").fromStage());
    assertEquals(new WriteTextStage.Options("hi-b", 2, false), b.options());
    assertEquals(dir.resolve("runs/t/b/text"), b.outputs().get("text"));
    assertEquals("cpu", r.defaults().get("device"));
  }

  @Test
  void upToKeepsTheTargetsAndWhatTheyReadInRecipeOrder() {
    var r = load("""
        name: t
        stages:
          - id: a
            uses: write-text
          - id: b
            uses: write-text
            inputs: {prefix: "${stages.a.outputs.text}"}
          - id: c
            uses: write-text
          - id: d
            uses: write-text
            inputs: {prefix: "${stages.b.outputs.text}"}
        """);
    assertEquals(List.of("a", "b", "d"), r.upTo(List.of("d")).stages().stream().map(ResolvedStage::id).toList());
    assertEquals(List.of("a", "c"), r.upTo(List.of("c", "a")).stages().stream().map(ResolvedStage::id).toList());
    var e = assertThrows(IllegalArgumentException.class, () -> r.upTo(List.of("e")));
    assertEquals("no stage 'e' in recipe t", e.getMessage());
  }

  @Test
  void unknownStageIdSuggestsNearest() {
    var e = fail("""
        name: t
        stages:
          - id: a
            uses: write-txt
        """);
    assertEquals(1, e.problems().size());
    var p = e.problems().get(0);
    assertEquals("r.yaml:4:11", p.location().toString());
    assertTrue(p.message().contains("unknown stage 'write-txt'; did you mean 'write-text'?"), p.message());
  }

  @Test
  void aBundledStageMissingFromTheClassPathNamesItsArtifact() {
    // core's tests see no bundled plugin, as an embedder with align4j-core alone
    var e = fail("""
        name: t
        stages:
          - id: a
            uses: tasks
        """);
    var p = e.problems().get(0);
    assertEquals("r.yaml:4:11", p.location().toString());
    assertTrue(p.message().contains("unknown stage 'tasks' (a bundled stage of org.align4j:align4j-data, which is not on"
        + " the class path: add that dependency, or org.align4j:align4j-bundle for every bundled plugin)"), p.message());
  }

  static String pairsRecipe(String output) {
    return """
        name: t
        stages:
          - id: make
            uses: test-pairs
          - id: read
            uses: test-pairs
            inputs: {pairs: "${stages.make.outputs.%s}"}
        """.formatted(output);
  }

  @Test
  void anInputAcceptsAProducerWhoseSchemaHasItsColumns() {
    // preference rows fit the text shape; int8 token ids widen to the int32 the other shape reads
    for (String output : List.of("pairs", "ids")) {
      var r = load(pairsRecipe(output));
      assertEquals(List.of("make", "read"), r.stages().stream().map(ResolvedStage::id).toList());
    }
  }

  @Test
  void anInputFedAnIncompatibleSchemaIsAnErrorAtItsLocation() {
    var e = fail(pairsRecipe("text"));
    assertEquals(1, e.problems().size(), e.problems().toString());
    var p = e.problems().get(0);
    assertEquals("r.yaml:7:21", p.location().toString());
    assertEquals("input 'pairs' of stage 'read' (test-pairs) cannot read output 'text' of stage 'make' (test-pairs):"
        + " it fits none of the shapes the input accepts (no column 'prompt'; no column 'chosen_ids')", p.message());
  }

  @Test
  void optionTypoIsReportedAtItsKeyWithSuggestion() {
    var e = fail("""
        name: t
        stages:
          - id: a
            uses: write-text
            options:
              txet: hello
        """);
    var p = e.problems().get(0);
    assertEquals("r.yaml:6:7", p.location().toString());
    assertTrue(p.message().contains("unknown option 'txet' for stage 'a' (write-text); did you mean 'text'?"), p.message());
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    var e = fail("""
        name: t
        defualts: {seed: 1}
        stages:
          - id: a
            uses: write-text
            options: {repeat: 0}
          - id: b
            uses: write-text
            inputs: {prefix: "${stages.c.outputs.text}", prefx: x}
          - id: d
            uses: write-text
            options: {repeat: two}
        """);
    var msgs = e.problems().stream().map(Problem::toString).toList();
    assertEquals(5, msgs.size(), String.join("\n", msgs));
    assertTrue(msgs.get(0).contains("r.yaml:2:1: unknown recipe key 'defualts'; did you mean 'defaults'?"), msgs.get(0));
    assertTrue(msgs.stream().anyMatch(m -> m.contains("repeat must be >= 1, got 0")), msgs.toString());
    assertTrue(msgs.stream().anyMatch(m -> m.contains("cannot resolve ${stages.c.outputs.text}: no stage 'c'")), msgs.toString());
    assertTrue(msgs.stream().anyMatch(m -> m.contains("has no input 'prefx'; did you mean 'prefix'?")), msgs.toString());
    assertTrue(msgs.stream().anyMatch(m -> m.startsWith("r.yaml:12:23") && m.contains("expected an integer, got 'two'")), msgs.toString());
  }

  @Test
  void missingInputFileIsReported() {
    var e = fail("""
        name: t
        stages:
          - {id: a, uses: write-text, inputs: {prefix: data/missing.txt}}
        """);
    assertTrue(e.problems().get(0).message().contains("input 'prefix' of stage 'a': file not found"), e.getMessage());
    assertEquals(3, e.problems().get(0).location().line());
  }

  @Test
  void setOverridesValuesAndBadSetIsReported() {
    var r = load("""
        name: t
        stages:
          - {id: a, uses: write-text, options: {text: x}}
        """, "stages.a.options.text=yy", "run_dir=elsewhere", "defaults.seed=5");
    assertEquals("yy", ((WriteTextStage.Options) r.stage("a").orElseThrow().options()).text());
    assertEquals(dir.resolve("elsewhere"), r.runDir());
    assertEquals(5L, r.seed());
    var e = fail("""
        name: t
        stages:
          - {id: a, uses: write-text}
        """, "stages.aa.options.text=yy", "stagez.a=1", "novalue");
    var msgs = e.problems().stream().map(Problem::toString).toList();
    assertEquals(3, msgs.size(), msgs.toString());
    assertTrue(msgs.get(0).startsWith("--set #1 'stages.aa.options.text=yy': --set: no stage 'aa'; did you mean 'a'?"), msgs.get(0));
    assertTrue(msgs.get(1).contains("unknown recipe key 'stagez'; did you mean 'stages'?"), msgs.get(1));
    assertTrue(msgs.get(2).contains("--set expects path=value"), msgs.get(2));
    var typo = fail("""
        name: t
        stages:
          - {id: a, uses: write-text}
        """, "stages.a.options.txt=1");
    assertTrue(typo.getMessage().contains("--set #1 'stages.a.options.txt=1': unknown option 'txt' for stage 'a' (write-text); did you mean 'text'?"), typo.getMessage());
  }

  @Test
  void repeatBlocksExpandWithCarry() {
    var r = load("""
        name: rlhf
        stages:
          - {id: sft, uses: write-text, options: {text: s}}
          - repeat: {round: [1, 2, 3]}
            carry: {policy: "${stages.sft.outputs.text}"}
            next: {policy: "${stages.rs-${round}.outputs.text}"}
            stages:
              - id: rs-${round}
                uses: write-text
                inputs: {prefix: "${carry.policy}"}
                options: {text: "v${round}"}
        """);
    assertEquals(List.of("sft", "rs-1", "rs-2", "rs-3"), r.stages().stream().map(ResolvedStage::id).toList());
    assertEquals("sft", r.stage("rs-1").orElseThrow().inputs().get("prefix").fromStage());
    assertEquals("rs-1", r.stage("rs-2").orElseThrow().inputs().get("prefix").fromStage());
    assertEquals("rs-2", r.stage("rs-3").orElseThrow().inputs().get("prefix").fromStage());
    assertEquals("v3", ((WriteTextStage.Options) r.stage("rs-3").orElseThrow().options()).text());
  }

  @Test
  void cyclesAndDuplicateIdsAreReported() {
    var e = fail("""
        name: t
        stages:
          - {id: a, uses: write-text, inputs: {prefix: "${stages.b.outputs.text}"}}
          - {id: b, uses: write-text, inputs: {prefix: "${stages.a.outputs.text}"}}
          - {id: b, uses: write-text}
        """);
    var all = e.getMessage();
    assertTrue(all.contains("duplicate stage id 'b'"), all);
    assertTrue(all.contains("cycle: a -> b -> a"), all);
  }

  @Test
  void invalidYamlNamesLine() {
    var e = assertThrows(org.align4j.api.Align4jException.class, () -> load("name: t\nstages: [\n  - {id: a\n"));
    assertTrue(e.getMessage().startsWith("r.yaml:"), e.getMessage());
  }

  @Test
  void aDefaultNamingAStageOutputOrdersEveryOtherStageAfterIt() {
    var r = load("""
        name: t
        defaults: {tokenizer: "${stages.tok.outputs.text}"}
        stages:
          - {id: use, uses: write-text}
          - {id: tok, uses: write-text, inputs: {prefix: "${stages.data.outputs.text}"}}
          - {id: data, uses: write-text}
        """);
    assertEquals(List.of("data", "tok", "use"), r.stages().stream().map(ResolvedStage::id).toList());
    assertEquals(dir.resolve("runs/t/tok/text").toString(), r.defaults().get("tokenizer"));
  }

  @Test
  void outputPathsThatWouldReplaceSomethingElseAreRefusedAtTheirLocation() throws Exception {
    Path in = java.nio.file.Files.createDirectories(dir.resolve("runs/t/data")).resolve("in.txt");
    java.nio.file.Files.writeString(in, "mine");
    String outside = dir.resolveSibling(dir.getFileName() + "-elsewhere").toString();
    var e = fail("""
        name: t
        stages:
          - {id: up, uses: write-text, outputs: {text: ..}}
          - {id: dot, uses: write-text, outputs: {text: .}}
          - {id: root, uses: write-text, outputs: {text: /}}
          - {id: abs, uses: write-text, outputs: {text: "%s"}}
          - {id: logs, uses: write-text}
          - {id: meta, uses: write-text, outputs: {text: .align4j/stages}}
          - {id: rec, uses: write-text, outputs: {text: run.json}}
          - {id: grand, uses: write-text, outputs: {text: ../../x/..}}
          - {id: own, uses: write-text, inputs: {prefix: runs/t/data/in.txt}, outputs: {text: data}}
          - {id: one, uses: write-text, outputs: {text: shared/x}}
          - {id: two, uses: write-text, outputs: {text: shared}}
          - {id: empty, uses: write-text, outputs: {text: ""}}
        """.formatted(outside));
    var msgs = e.problems().stream().map(Problem::toString).toList();
    String all = String.join("\n", msgs);
    assertEquals(11, msgs.size(), all);
    assertTrue(msgs.get(0).startsWith("r.yaml:3:48: output 'text' of stage 'up' is " + dir.resolve("runs")
        + ", which contains the run directory"), all);
    assertTrue(msgs.get(1).startsWith("r.yaml:4:49: output 'text' of stage 'dot' is the run directory itself"), all);
    assertTrue(msgs.get(2).startsWith("r.yaml:5:50: output 'text' of stage 'root' is /, which contains the run directory"), all);
    assertTrue(msgs.get(3).startsWith("r.yaml:6:49: output 'text' of stage 'abs' is " + outside + ", outside the run directory "
        + dir.resolve("runs/t") + "; write it under the run directory (a relative path), move run_dir (--set run_dir=...), or"
        + " allow outputs in " + java.nio.file.Path.of(outside).getParent() + " with the recipe key output_roots: ["), all);
    assertTrue(msgs.get(4).startsWith("r.yaml:7:10: output 'text' of stage 'logs' is " + dir.resolve("runs/t/logs/text")
        + ", inside 'logs', which align4j keeps for itself"), all);
    assertTrue(msgs.get(5).startsWith("r.yaml:8:50: output 'text' of stage 'meta' is " + dir.resolve("runs/t/.align4j/stages")
        + ", inside '.align4j', which align4j keeps for itself"), all);
    assertTrue(msgs.get(6).startsWith("r.yaml:9:49: output 'text' of stage 'rec' is " + dir.resolve("runs/t/run.json")
        + ", inside 'run.json', which align4j keeps for itself"), all);
    assertTrue(msgs.get(7).startsWith("r.yaml:10:51: output 'text' of stage 'grand' is " + dir
        + ", which contains the run directory"), all);
    assertTrue(msgs.stream().anyMatch(m -> m.startsWith("r.yaml:11:") && m.contains("output 'text' of stage 'own' is "
        + dir.resolve("runs/t/data") + ", which contains input 'prefix' of stage 'own' (" + in + ")")), all);
    assertTrue(msgs.stream().anyMatch(m -> m.startsWith("r.yaml:13:49: output 'text' of stage 'two' is "
        + dir.resolve("runs/t/shared") + ", which contains output 'text' of stage 'one' (" + dir.resolve("runs/t/shared/x") + ")")), all);
    assertTrue(msgs.stream().anyMatch(m -> m.startsWith("r.yaml:14:") && m.contains("output 'text' of stage 'empty'")
        && m.contains("the run directory itself")), all);
  }

  @Test
  void outputsInsideTheRunDirectoryAreAccepted() {
    var r = load("""
        name: t
        stages:
          - {id: a, uses: write-text, outputs: {text: "${run_dir}/out/a.txt"}}
          - {id: b, uses: write-text, outputs: {text: out/a.txt2}}
          - {id: c, uses: write-text, outputs: {text: out/sub/../c.txt}, inputs: {prefix: "${stages.a.outputs.text}"}}
        """);
    assertEquals(dir.resolve("runs/t/out/a.txt"), r.stage("a").orElseThrow().outputs().get("text"));
    assertEquals(dir.resolve("runs/t/out/c.txt"), r.stage("c").orElseThrow().outputs().get("text"));
  }
}
