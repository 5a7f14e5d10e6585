package org.align4j.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The launcher without Arrow's --add-opens says what to add, at start, before reading the recipe. */
class NoOpensTest {
  @Test
  void runWithoutTheFlagIsAUsageErrorNamingIt() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "run", "no-such-recipe.yaml").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(Main.USAGE, p.exitValue(), out);
    assertTrue(out.contains("align4j: Apache Arrow needs the JVM option --add-opens=java.base/java.nio=ALL-UNNAMED"), out);
  }
}
