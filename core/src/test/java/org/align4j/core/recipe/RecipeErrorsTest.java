package org.align4j.core.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
