package org.align4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.core.plugin.JarBuilder;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.RecipeLoader;
import org.align4j.core.recipe.ResolvedRecipe;
import org.align4j.core.recipe.YamlTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fingerprint covers the provider's code: a rebuilt plugin with other behaviour re-runs its stages. */
class FingerprintsTest {
  @TempDir Path dir;

  static final String RECIPE = """
      name: fp
      stages:
        - {id: w, uses: plugin-write}
      """;

  /** A plugin jar whose stage writes {@code text} into its output; same id, class name and options each time. */
  Path pluginDir(String name, String text) throws Exception {
    Path plugins = Files.createDirectories(dir.resolve(name));
    String src = """
        package fp;
        public final class Write implements org.align4j.api.stage.Stage<org.align4j.api.NoOptions> {
          public String id() { return "plugin-write"; }
          public Class<org.align4j.api.NoOptions> optionsType() { return org.align4j.api.NoOptions.class; }
          public java.util.List<org.align4j.api.stage.Port> inputs() { return java.util.List.of(); }
          public java.util.List<org.align4j.api.stage.Port> outputs() {
            return java.util.List.of(org.align4j.api.stage.Port.required("text", "a text file"));
          }
          public void run(org.align4j.api.stage.StageContext c, org.align4j.api.NoOptions o) throws Exception {
            java.nio.file.Files.writeString(c.output("text"), "%s");
          }
        }
        """.formatted(text);
    JarBuilder.build(plugins.resolve("write.jar"), Map.of("fp.Write", src),
        Map.of("META-INF/services/org.align4j.api.stage.Stage", "fp.Write\n"));
    return plugins;
  }

  ResolvedRecipe load(PluginRegistry r) {
    return new RecipeLoader(r, dir).load(YamlTree.parse(RECIPE, "fp.yaml"), "fp.yaml", List.of());
  }

  String fingerprint(PluginRegistry r) {
    ResolvedRecipe recipe = load(r);
    return Fingerprints.of(recipe.stages().get(0), recipe.runDir(), recipe.defaults(), 1, Map.of());
  }

  @Test
  void sameProviderIdAndClassButOtherBytesGiveAnotherFingerprint() throws Exception {
    var v1 = PluginRegistry.load(List.of(pluginDir("v1", "one")));
    var v1again = PluginRegistry.load(List.of(pluginDir("v1-copy", "one")));
    var v2 = PluginRegistry.load(List.of(pluginDir("v2", "two")));
    assertEquals(fingerprint(v1), fingerprint(v1again), "the same code in another directory is the same stage");
    assertNotEquals(fingerprint(v1), fingerprint(v2), "a rebuilt plugin with other code must not match");
  }

  /** ZeRO-1 moves the optimiser state, not the result: a run resumes its stages with it turned on or off. */
  @Test
  void defaultsZeroKeepsTheFingerprintOtherDefaultsChangeIt() throws Exception {
    var r = PluginRegistry.load(List.of(pluginDir("v1", "one")));
    ResolvedRecipe plain = load(r);
    var s = plain.stages().get(0);
    String fp = Fingerprints.of(s, plain.runDir(), plain.defaults(), 1, Map.of());
    var withZero = new java.util.HashMap<>(plain.defaults());
    withZero.put("zero", 1L);
    assertEquals(fp, Fingerprints.of(s, plain.runDir(), withZero, 1, Map.of()));
    var withThreads = new java.util.HashMap<>(plain.defaults());
    withThreads.put("threads", 1L);
    assertNotEquals(fp, Fingerprints.of(s, plain.runDir(), withThreads, 1, Map.of()));
  }

  @Test
  void aRebuiltPluginRerunsItsStage() throws Exception {
    var v1 = PluginRegistry.load(List.of(pluginDir("v1", "one")));
    var r1 = new PipelineRunner(v1).run(load(v1));
    assertEquals(1, r1.count(StageOutcome.Status.RAN), r1.toString());
    assertEquals("one", Files.readString(dir.resolve("runs/fp/w/text")));
    assertEquals(1, new PipelineRunner(v1).run(load(v1)).count(StageOutcome.Status.SKIPPED));

    var v2 = PluginRegistry.load(List.of(pluginDir("v2", "two")));
    var r2 = new PipelineRunner(v2).run(load(v2));
    assertEquals(1, r2.count(StageOutcome.Status.RAN), r2.toString());
    assertEquals("two", Files.readString(dir.resolve("runs/fp/w/text")));
  }
}
