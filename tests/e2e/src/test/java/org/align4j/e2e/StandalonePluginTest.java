package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tests/standalone-plugin, a plugin project that does not inherit align4j-parent (it imports align4j-bom and
 * bundles commons-lang3), built offline with {@code mvn -o package} and run through the plugins option.
 */
class StandalonePluginTest {
  @TempDir Path dir;

  @Test
  void aThirdPartyProjectBuildsAgainstTheBomAndItsStageRuns() throws Exception {
    Path project = StandaloneBuild.packageProject("standalone-plugin", dir);
    Path plugins = project.resolve("target/align4j-plugins");
    Path pluginDir = plugins.resolve("word-stats");
    assertTrue(Files.isRegularFile(pluginDir.resolve("word-stats-1.0.0.jar")), "the plugin's jar");
    assertTrue(Files.isRegularFile(pluginDir.resolve("commons-lang3-3.17.0.jar")), "its bundled library");
    try (var s = Files.list(pluginDir)) {
      assertEquals(2, s.count(), "the API and toolkit (provided) are not bundled");
    }

    Files.writeString(dir.resolve("words.txt"), "Café cafe CAFÉ, naïve\nnaive au revoir\n");
    Path recipe = Files.writeString(dir.resolve("r.yaml"), """
        name: words
        run_dir: %s
        stages:
          - id: freq
            uses: word-frequencies
            inputs: {text: %s}
            options: {min_length: 3}
        """.formatted(dir.resolve("run"), dir.resolve("words.txt")));
    var cli = Cli.run("run", recipe.toString(), "--plugins", plugins.toString());
    assertEquals(0, cli.exit(), cli.toString());
    @SuppressWarnings("unchecked")
    Map<String, Integer> counts = new ObjectMapper().readValue(dir.resolve("run/freq/frequencies").toFile(), Map.class);
    // accents and case folded by the bundled commons-lang3; "au" is shorter than min_length
    assertEquals(Map.of("cafe", 3, "naive", 2, "revoir", 1), new TreeMap<>(counts));
  }

  /** A consumer that imports no BOM and inherits nothing still resolves the API's dependencies, offline. */
  @Test
  void theApiPomResolvesOnItsOwn() throws Exception {
    Path project = Files.createDirectories(dir.resolve("api-consumer"));
    Files.writeString(project.resolve("pom.xml"), """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>com.example</groupId><artifactId>api-consumer</artifactId><version>1.0.0</version>
          <dependencies>
            <dependency><groupId>org.align4j</groupId><artifactId>align4j-api</artifactId><version>0.1.0-SNAPSHOT</version></dependency>
          </dependencies>
        </project>
        """);
    Path list = dir.resolve("dependencies.txt");
    StandaloneBuild.mvnOffline(project, StandaloneBuild.localRepository(dir.resolve("m2")),
        "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:list", "-DoutputFile=" + list);
    String deps = Files.readString(list);
    // the Jackson align4j runs with, not the older one arrow-vector's pom asks for
    String jackson = new ObjectMapper().version().toString();
    assertTrue(deps.contains("com.fasterxml.jackson.core:jackson-databind:jar:" + jackson), deps);
    assertTrue(deps.contains("org.apache.arrow:arrow-vector:jar:"), deps);
  }
}
