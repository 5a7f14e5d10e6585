package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTest {
  @TempDir Path dir;

  @Test
  void helpShowsExamplesAndExitCodes() {
    var cli = Cli.run("--help");
    assertEquals(0, cli.exit());
    assertTrue(cli.out().contains("align4j run recipes/quickstart.yaml"), cli.out());
    assertTrue(cli.out().contains("Exit codes: 0 ok, 1 a stage failed, 2 bad usage"), cli.out());
  }

  @Test
  void badUsageExitsTwo() {
    var cli = Cli.run("run");
    assertEquals(2, cli.exit(), cli.toString());
    assertTrue(cli.err().contains("Missing required parameter: 'RECIPE'"), cli.err());
    assertEquals(2, Cli.run("frobnicate").exit());
  }

  @Test
  void invalidRecipeAndBadSetExitTwoWithLocations() throws Exception {
    Files.writeString(dir.resolve("t.txt"), "a b\n");
    Path r = Files.writeString(dir.resolve("r.yaml"), """
        name: t
        run_dir: %s
        stages:
          - {id: c, uses: count-words, inputs: {text: %s}, options: {delay_ms: 0}}
        """.formatted(dir.resolve("run"), dir.resolve("t.txt")));
    var plugins = Cli.examplePlugins().toString();
    var ok = Cli.run("validate", r.toString(), "--plugins", plugins);
    assertEquals(0, ok.exit(), ok.toString());
    var bad = Cli.run("run", r.toString(), "--plugins", plugins, "--set", "stages.c.options.delay=5", "--set", "stages.x.id=y");
    assertEquals(2, bad.exit(), bad.toString());
    assertTrue(bad.err().contains("unknown option 'delay' for stage 'c' (count-words); did you mean 'delay_ms'?"), bad.err());
    assertTrue(bad.err().contains("--set #2 'stages.x.id=y': --set: no stage 'x'"), bad.err());
    var missing = Cli.run("run", r.toString(), "--plugins", plugins, "--set", "stages.c.inputs.text=nope.txt");
    assertEquals(2, missing.exit(), missing.toString());
    assertTrue(missing.err().contains("input 'text' of stage 'c': file not found"), missing.err());
  }

  @Test
  void aFailingStageExitsOneAndDryRunShowsThePlan() throws Exception {
    Path r = Files.writeString(dir.resolve("r.yaml"), """
        name: t
        run_dir: %s
        stages:
          - {id: c, uses: count-words, inputs: {text: %s}}
        """.formatted(dir.resolve("run"), dir.resolve("missing-later.txt")));
    Files.writeString(dir.resolve("missing-later.txt"), "x\n");
    var plugins = Cli.examplePlugins().toString();
    var dry = Cli.run("run", r.toString(), "--plugins", plugins, "--dry-run");
    assertEquals(0, dry.exit(), dry.toString());
    assertTrue(dry.out().contains("would run"), dry.out());
    Files.delete(dir.resolve("missing-later.txt")); // validated, then gone: the stage itself fails
    Files.createDirectory(dir.resolve("missing-later.txt"));
    var failed = Cli.run("run", r.toString(), "--plugins", plugins);
    assertEquals(1, failed.exit(), failed.toString());
    assertTrue(failed.out().contains("failed"), failed.out());
  }
}
