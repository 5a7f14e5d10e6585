package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tests/standalone-embedding, a program that embeds align4j through align4j-bundle and the BOM, with the
 * natives chosen by .mvn/maven.config: built offline with {@code mvn -o package}, then run in its own JVM.
 */
class StandaloneEmbeddingTest {
  @TempDir Path dir;

  @Test
  void anEmbeddingProjectBuildsOfflineWithTheLinuxNativesOnlyAndRunsStages() throws Exception {
    Path project = StandaloneBuild.packageProject("standalone-embedding", dir);
    String classpath = Files.readString(project.resolve("target/classpath.txt")).trim();
    assertTrue(classpath.contains("pytorch-" ) && classpath.contains("linux-x86_64.jar"), classpath);
    assertTrue(!classpath.contains("macosx") && !classpath.contains("windows"), "only the Linux natives: " + classpath);

    Path run = dir.resolve("run");
    Path log = dir.resolve("embed.log");
    var cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", project.resolve("target/classes") + ":" + classpath,
        "com.example.embed.EmbedMain", run.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the embedding program timed out");
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("model: " + run.resolve("pretrain/model")), out);
    assertTrue(Files.isRegularFile(run.resolve("pretrain/model/config.json")), out);
  }
}
