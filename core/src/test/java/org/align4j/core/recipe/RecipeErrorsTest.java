package org.align4j.core.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.core.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15 items 5 and 6: values that used to pass validation, vars inside vars, malformed references. */
class RecipeErrorsTest {
  @TempDir Path dir;
  final PluginRegistry registry = PluginRegistry.classpath();

  static final String RECIPE = """
      name: t
      vars: {n: 2}
      stages:
        - id: a
          uses: write-text
          options: {repeat: "${vars.n}"}
      """;

  ResolvedRecipe load(String yaml, String... sets) {
    return new RecipeLoader(registry, dir).load(YamlTree.parse(yaml, "r.yaml"), "r.yaml", List.of(sets));
  }

  String fail(String yaml, String... sets) {
    var e = assertThrows(RecipeException.class, () -> load(yaml, sets));
    return e.getMessage();
  }

  public record Num(double lr, int n, long steps) {}

  public record Inner(@Default("1.0") double a, @Default("x") String b, @Default("3") int c) {
    public Inner {
      if (a < 0) {
        throw new IllegalArgumentException("a must be >= 0, got " + a);
      }
    }
  }

  public record Outer(@Default("{b: y}") Inner inner, @Default("2") int n) {}

  /** Issue 12 item 2: a nested record binds key by key over its component's default block and its own defaults. */
  @Test
  void nestedRecordsMergeOverDefaultsAndReportTheirKeys() {
    var b = new OptionsBinder(registry);
    assertEquals(new Outer(new Inner(1.0, "y", 3), 2), b.bindPlain(Outer.class, Map.of(), "x"));
    assertEquals(new Outer(new Inner(5.0, "y", 3), 2), b.bindPlain(Outer.class, Map.of("inner", Map.of("a", 5.0)), "x"),
        "a partial block keeps the component's default for b and the record's for c");
    assertEquals(new Inner(1.0, "z", 4), b.bindPlain(Outer.class, Map.of("inner", Map.of("b", "z", "c", 4)), "x").inner());

    YNode.YMap options = (YNode.YMap) ((YNode.YMap) YamlTree.parse("""
        options:
          n: 1
          inner: {a: 5.0, bb: 1}
        """, "r.yaml")).get("options");
    var problems = new java.util.ArrayList<Problem>();
    assertEquals(null, b.bind(Outer.class, options, "stage 's' (t)", problems));
    assertEquals(1, problems.size(), problems.toString());
    assertEquals("r.yaml:3:19: unknown option 'inner.bb' for stage 's' (t); did you mean 'inner.b'?",
        problems.get(0).toString());

    problems.clear();
    options = (YNode.YMap) ((YNode.YMap) YamlTree.parse("options: {inner: {a: -1.0}, c: 3}\n", "r.yaml")).get("options");
    b.bind(Outer.class, options, "stage 's' (t)", problems);
    assertEquals(2, problems.size(), problems.toString());
    assertTrue(problems.toString().contains("unknown option 'c' for stage 's' (t); did you mean 'inner.c'? (inner: {c: ...})"),
        problems.toString());
    assertTrue(problems.toString().contains("r.yaml:1:18: stage 's' (t) option 'inner': a must be >= 0, got -1.0"),
        problems.toString());
  }

  @Test
  void fractionalNumberForAnIntegerIsAnError() {
    String m = fail(RECIPE.replace("\"${vars.n}\"", "2.5"));
    assertTrue(m.contains("r.yaml:6:") && m.contains("option 'repeat'") && m.contains("2.5"), m);
    var b = new OptionsBinder(registry);
    var e = assertThrows(RecipeException.class, () -> b.bindPlain(Num.class, Map.of("lr", 1.0, "n", 1, "steps", 2.5), "x"));
    assertTrue(e.getMessage().contains("'steps'"), e.getMessage());
    assertEquals(new Num(1.0, 3, 4), b.bindPlain(Num.class, Map.of("lr", 1.0, "n", 3.0, "steps", 4), "x"));
  }

  @Test
  void nonFiniteNumbersAreErrors() {
    var b = new OptionsBinder(registry);
    var e = assertThrows(RecipeException.class, () -> b.bindPlain(Num.class, Map.of("lr", Double.POSITIVE_INFINITY, "n", 1, "steps", 1), "x"));
    assertTrue(e.getMessage().contains("'lr'") && e.getMessage().contains("finite"), e.getMessage());
    // 1e309 in YAML overflows a double
    String m = fail(RECIPE.replace("\"${vars.n}\"", "1e309"));
    assertTrue(m.contains("option 'repeat'"), m);
  }

  @Test
  void setOnWholeSectionsAndEmptyPathsAreErrors() {
    assertTrue(fail(RECIPE, "stages=3").contains("--set #1 'stages=3'"), fail(RECIPE, "stages=3"));
    assertTrue(fail(RECIPE, ".=1").contains("--set #1 '.=1'"));
    assertTrue(fail(RECIPE, "stages..a=1").contains("empty"), fail(RECIPE, "stages..a=1"));
    String m = fail(RECIPE, "run_dir=");
    assertTrue(m.contains("run_dir"), m);
    m = fail(RECIPE, "stages.99999999999999999999.options.repeat=1");
    assertTrue(m.contains("no stage '99999999999999999999'"), m);
    m = fail(RECIPE, "defaults.threads=-2");
    assertTrue(m.contains("defaults.threads must be in [1, 4096], got -2"), m);
    m = fail(RECIPE, "defaults.zero=2");
    assertTrue(m.contains("defaults.zero must be 0 (off) or 1") && m.contains("stages 2 and 3 are not built"), m);
    assertEquals(1, load(RECIPE, "defaults.zero=1").settings().zero());
    assertEquals(0, load(RECIPE).settings().zero());
    m = fail(RECIPE, "vars=3");
    assertTrue(m.contains("'vars' must be a mapping"), m);
  }

  @Test
  void varsReferToVars() {
    var r = load("""
        name: t
        vars: {base: 3, n: "${vars.base}", label: "x-${vars.n}-${name}"}
        stages:
          - id: a
            uses: write-text
            options: {repeat: "${vars.n}", text: "${vars.label}"}
        """);
    var o = (org.align4j.core.testing.WriteTextStage.Options) r.stage("a").orElseThrow().options();
    assertEquals(3, o.repeat());
    assertEquals("x-3-t", o.text());
  }

  @Test
  void varsCyclesAreReported() {
    String m = fail("""
        name: t
        vars: {a: "${vars.b}", b: "x${vars.a}"}
        stages:
          - {id: s, uses: write-text}
        """);
    assertTrue(m.contains("cycle") && m.contains("vars.a") && m.contains("vars.b"), m);
    assertTrue(m.contains("r.yaml:2:"), m);
  }

  @Test
  void malformedReferencesAreErrors() {
    for (String bad : List.of("${}", "${vars.n", "a${ }b", "${vars.n}${")) {
      String m = fail(RECIPE.replace("\"${vars.n}\"", "\"" + bad + "\""));
      assertTrue(m.contains("r.yaml:6:") && m.contains("malformed reference"), bad + ": " + m);
    }
  }

  String loadFileFails(Path f) {
    var e = assertThrows(RuntimeException.class, () -> new RecipeLoader(registry, dir).load(f, List.of()));
    return e.getMessage();
  }

  @Test
  void recipeFileMessages() throws Exception {
    String m = loadFileFails(java.nio.file.Files.createDirectories(dir.resolve("d.yaml")));
    assertTrue(m.contains("is a directory"), m);
    var bin = new byte[] {'n', 'a', 'm', 'e', ':', ' ', 't', '\n', 's', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n'};
    m = loadFileFails(java.nio.file.Files.write(dir.resolve("b.yaml"), bin));
    assertTrue(m.contains("b.yaml:2") && m.contains("UTF-8"), m);
    m = loadFileFails(java.nio.file.Files.writeString(dir.resolve("t.yaml"), "name: t\nstages:\n  - id: a\n\t  uses: x\n"));
    assertTrue(m.contains("t.yaml:4:1") && m.contains("tab"), m);
  }
}
