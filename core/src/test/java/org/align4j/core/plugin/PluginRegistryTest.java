package org.align4j.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginRegistryTest {
  @TempDir Path dir;

  static String stageSource(String pkg, String cls, String id, String body) {
    return """
        package %s;
        public final class %s implements org.align4j.api.stage.Stage<org.align4j.api.NoOptions> {
          public String id() { return "%s"; }
          public Class<org.align4j.api.NoOptions> optionsType() { return org.align4j.api.NoOptions.class; }
          public java.util.List<org.align4j.api.stage.Port> inputs() { return java.util.List.of(); }
          public java.util.List<org.align4j.api.stage.Port> outputs() { return java.util.List.of(); }
          public void run(org.align4j.api.stage.StageContext c, org.align4j.api.NoOptions o) {}
          public String description() { %s }
        }
        """.formatted(pkg, cls, id, body);
  }

  @Test
  void findsPluginJarsAndNamesTheirSource() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    JarBuilder.build(plugins.resolve("p1.jar"), Map.of("x.One", stageSource("x", "One", "one", "return \"first\";")),
        Map.of("META-INF/services/org.align4j.api.stage.Stage", "x.One\n"));
    var r = PluginRegistry.load(List.of(plugins));
    var e = r.find(Stage.class, "one").orElseThrow();
    assertEquals("first", e.provider().description());
    assertTrue(e.source().endsWith("p1.jar"), e.source());
    // class-path providers are there too
    assertTrue(r.find(Stage.class, "write-text").isPresent());
  }

  @Test
  void duplicateIdsAreAnErrorNamingBothJars() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    for (String n : List.of("a", "b")) {
      JarBuilder.build(plugins.resolve(n + ".jar"), Map.of(n + ".S", stageSource(n, "S", "same", "return \"\";")),
          Map.of("META-INF/services/org.align4j.api.stage.Stage", n + ".S\n"));
    }
    var e = assertThrows(Align4jException.class, () -> PluginRegistry.load(List.of(plugins)));
    assertTrue(e.getMessage().contains("duplicate stage id 'same'"), e.getMessage());
    assertTrue(e.getMessage().contains("a.jar") && e.getMessage().contains("b.jar"), e.getMessage());
  }

  @Test
  void aBrokenJarIsReportedAndTheOthersStillWork() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    JarBuilder.build(plugins.resolve("good.jar"), Map.of("g.Good", stageSource("g", "Good", "good", "return \"\";")),
        Map.of("META-INF/services/org.align4j.api.stage.Stage", "g.Good\n"));
    // names a provider class the jar does not contain
    JarBuilder.build(plugins.resolve("broken.jar"), Map.of(),
        Map.of("META-INF/services/org.align4j.api.stage.Stage", "b.Missing\n"));
    Files.writeString(plugins.resolve("garbage.jar"), "not a zip");
    var r = PluginRegistry.load(List.of(plugins));
    assertTrue(r.find(Stage.class, "good").isPresent());
    var errors = String.join("\n", r.loadErrors());
    assertTrue(errors.contains("broken.jar") && errors.contains("b.Missing"), errors);
    assertTrue(errors.contains("garbage.jar"), errors);
  }

  @Test
  void pluginsBundlingSharedPackagesAreRefused() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    JarBuilder.build(plugins.resolve("fat.jar"), Map.of("org.slf4j.Fake", "package org.slf4j; public class Fake {}"), Map.of());
    var r = PluginRegistry.load(List.of(plugins));
    var errors = String.join("\n", r.loadErrors());
    assertTrue(errors.contains("fat.jar refused: it bundles org.slf4j"), errors);
  }

  @Test
  void twoPluginsSeeTheirOwnVersionOfOneLibrary() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    for (int v = 1; v <= 2; v++) {
      String lib = "package shared.lib; public final class Version { public static String get() { return \"" + v + ".0\"; } }";
      JarBuilder.build(plugins.resolve("v" + v + ".jar"), Map.of(
              "shared.lib.Version", lib,
              "p" + v + ".S", stageSource("p" + v, "S", "uses-v" + v, "return shared.lib.Version.get();")),
          Map.of("META-INF/services/org.align4j.api.stage.Stage", "p" + v + ".S\n"));
    }
    var r = PluginRegistry.load(List.of(plugins));
    assertEquals("1.0", r.find(Stage.class, "uses-v1").orElseThrow().provider().description());
    assertEquals("2.0", r.find(Stage.class, "uses-v2").orElseThrow().provider().description());
  }

  @Test
  void aTruncatedJarIsReportedOnce() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path whole = JarBuilder.build(dir.resolve("whole.jar"), Map.of("t.T", stageSource("t", "T", "trunc", "return \"\";")),
        Map.of("META-INF/services/org.align4j.api.stage.Stage", "t.T\n"));
    byte[] bytes = Files.readAllBytes(whole);
    Files.write(plugins.resolve("truncated.jar"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    var r = PluginRegistry.load(List.of(plugins));
    assertEquals(1, r.loadErrors().size(), r.loadErrors().toString());
    assertTrue(r.loadErrors().get(0).contains("truncated.jar") && r.loadErrors().get(0).contains("not a readable jar"),
        r.loadErrors().toString());
  }

  @Test
  void aPluginWhoseClassesDoNotResolveIsRefusedNamingJarAndClassBeforeAnyStageRuns() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    // compiled against m.Helper, packed without it: linking the stage's method would fail only when it runs
    JarBuilder.build(plugins.resolve("forgot-a-library.jar"), Map.of(
            "m.Helper", "package m; public final class Helper { public static String say() { return \"hi\"; } }",
            "m.UsesHelper", stageSource("m", "UsesHelper", "uses-helper", "return m.Helper.say();")),
        Map.of("META-INF/services/org.align4j.api.stage.Stage", "m.UsesHelper\n"), java.util.Set.of("m.Helper"));
    JarBuilder.build(plugins.resolve("whole.jar"), Map.of(
            "w.Helper", "package w; public final class Helper { public static String say() { return \"hi\"; } }",
            "w.UsesHelper", stageSource("w", "UsesHelper", "whole", "return w.Helper.say();")),
        Map.of("META-INF/services/org.align4j.api.stage.Stage", "w.UsesHelper\n"));
    var r = PluginRegistry.load(List.of(plugins));
    assertTrue(r.find(Stage.class, "uses-helper").isEmpty(), "a plugin with an unresolvable class is not registered");
    assertEquals("hi", r.find(Stage.class, "whole").orElseThrow().provider().description());
    assertEquals(1, r.loadErrors().size(), r.loadErrors().toString());
    String error = r.loadErrors().get(0);
    assertTrue(error.contains("forgot-a-library.jar refused: class m.UsesHelper (in forgot-a-library.jar) refers to m.Helper,"),
        error);
  }

  @Test
  void aPluginUsingJacksonThroughTheApiClassPathRuns() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    // Jackson reaches a plugin's compile class path through align4j-api (arrow-vector); it must be there at run time
    JarBuilder.build(plugins.resolve("json.jar"), Map.of("j.Json", stageSource("j", "Json", "json",
            "try { return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of(\"a\", 1)); }"
                + " catch (com.fasterxml.jackson.core.JsonProcessingException e) { throw new IllegalStateException(e); }")),
        Map.of("META-INF/services/org.align4j.api.stage.Stage", "j.Json\n"));
    var r = PluginRegistry.load(List.of(plugins));
    assertEquals(List.of(), r.loadErrors());
    assertEquals("{\"a\":1}", r.find(Stage.class, "json").orElseThrow().provider().description());
  }
}
