package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 in the middle of a stage, then run again: finished stages are skipped, the killed one resumes. */
class KillResumeTest {
  @TempDir Path dir;

  @Test
  void aKilledRunResumesWhereItStopped() throws Exception {
    var text = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      text.append("w").append(i).append(" x\n");
    }
    Files.writeString(dir.resolve("words.txt"), text);
    Path recipe = Files.writeString(dir.resolve("r.yaml"), """
        name: kill
        run_dir: %s
        stages:
          - {id: first, uses: count-words, inputs: {text: %s}}
          - {id: slow, uses: count-words, inputs: {text: "${stages.first.outputs.counts}"}, options: {delay_ms: 0}}
          - {id: slower, uses: count-words, inputs: {text: %s}, after: [slow], options: {delay_ms: 40}}
        """.formatted(dir.resolve("run"), dir.resolve("words.txt"), dir.resolve("words.txt")));
    var cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "org.align4j.launcher.Main", "run", recipe.toString(), "--plugins", Cli.examplePlugins().toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("first-run.log").toFile()).start();
    Path ckpt = dir.resolve("run/.align4j/work/slower/position.properties");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!linePast(ckpt, 20) && System.nanoTime() < deadline && p.isAlive()) {
      Thread.sleep(50);
    }
    assertTrue(p.isAlive(), "the run ended before it could be killed: " + Files.readString(dir.resolve("first-run.log")));
    p.destroyForcibly(); // SIGKILL
    p.waitFor(30, TimeUnit.SECONDS);
    assertTrue(Files.exists(dir.resolve("run/first/counts")));
    assertTrue(!Files.exists(dir.resolve("run/slower/counts")), "a killed stage must not have published its output");

    var cli = Cli.run("run", recipe.toString(), "--plugins", Cli.examplePlugins().toString(), "--set", "stages.slower.options.delay_ms=40");
    assertEquals(0, cli.exit(), cli.toString() + Files.readString(dir.resolve("first-run.log")));
    assertTrue(cli.out().matches("(?s).*first\\s+skipped.*slow\\s+skipped.*slower\\s+ran.*"), cli.out());
    var props = new Properties();
    props.load(new StringReader(Files.readString(dir.resolve("run/slower/counts"))));
    assertEquals("400", props.getProperty("words"));
    assertTrue(Integer.parseInt(props.getProperty("resumed_at")) >= 20, "resumed from its checkpoint: " + props);
  }

  private static boolean linePast(Path ckpt, int n) {
    try {
      var p = new Properties();
      p.load(new StringReader(Files.readString(ckpt)));
      return Integer.parseInt(p.getProperty("line", "0")) >= n;
    } catch (Exception e) {
      return false;
    }
  }
}
