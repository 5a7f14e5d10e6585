package org.align4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.align4j.core.testing.NoOpensEmbed;
import org.junit.jupiter.api.Test;

/** A JVM without Arrow's --add-opens is told so by Align4j.create(), before any stage runs. */
class EmbeddingChecksTest {
  @Test
  void createChecksTheAddOpensFlagUpFront() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), NoOpensEmbed.class.getName())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertTrue(out.contains("ERROR Align4jException: Apache Arrow needs the JVM option --add-opens=java.base/java.nio=ALL-UNNAMED"), out);
  }
}
