package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: a run directory that cannot be written ends in one line naming the path and why, and loses nothing. Tests
 * run as root, where chmod does not stop writes: a read-only bind mount in a private mount namespace
 * ({@code unshare -m}) does, and so does a file where a directory must be.
 */
class ReadOnlyRunDirTest {
  @TempDir Path dir;

  Path recipe(Path runDir) throws Exception {
    Path text = Files.writeString(dir.resolve("t.txt"), "a b c\n");
    return Files.writeString(dir.resolve("r.yaml"), """
        name: ro
        run_dir: %s
        stages:
          - {id: c, uses: count-words, inputs: {text: %s}}
        """.formatted(runDir, text));
  }

  static void oneLine(String all, String... expect) {
    assertFalse(all.contains("\tat ") || all.contains("Exception in thread") || all.contains("ERROR StatusLogger"), all);
    for (String e : expect) {
      assertTrue(all.contains(e), "missing '" + e + "' in\n" + all);
    }
  }

  @Test
  void aFileWhereADirectoryMustBe() throws Exception {
    Path blocker = Files.writeString(dir.resolve("blocker"), "x");
    String plugins = Cli.examplePlugins().toString();
    var r = Cli.run("run", recipe(blocker.resolve("run")).toString(), "--plugins", plugins);
    assertTrue(r.exit() == 1 || r.exit() == 2, r.toString());
    oneLine(r.err(), "align4j run: ", blocker.resolve("run").toString(), "Not a directory");

    Path run = Files.createDirectories(dir.resolve("run2"));
    Files.writeString(run.resolve(".align4j"), "x");
    r = Cli.run("run", recipe(run).toString(), "--plugins", plugins);
    assertEquals(1, r.exit(), r.toString());
    oneLine(r.err(), "align4j run: cannot create run directory " + run, "a file is in the way");
    assertEquals("x", Files.readString(run.resolve(".align4j")));

    // a file where the stage output's directory goes: the stage fails naming it, the file stays
    Path run3 = Files.createDirectories(dir.resolve("run3"));
    Files.writeString(run3.resolve("c"), "mine");
    r = Cli.run("run", recipe(run3).toString(), "--plugins", plugins);
    assertEquals(1, r.exit(), r.toString());
    oneLine(r.out() + r.err(), "output 'counts': cannot put the new counts in place at " + run3.resolve("c/counts"));
    assertEquals("mine", Files.readString(run3.resolve("c")));
  }

  /** A whole run directory, and then only a stage's output directory, mounted read-only. */
  @Test
  void aReadOnlyMount() throws Exception {
    Assumptions.assumeTrue(canUnshare(), "unshare -m with bind mounts is not available here");
    Path run = dir.resolve("run");
    Path recipe = recipe(run);
    var first = Cli.run("run", recipe.toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(0, first.exit(), first.toString());
    String counts = Files.readString(run.resolve("c/counts"));

    for (Path ro : List.of(run, run.resolve("c"))) {
      String[] out = readOnly(ro, "run", recipe.toString(), "--plugins", Cli.examplePlugins().toAbsolutePath().toString(),
          "--force", "c", "--set", "defaults.threads=1");
      String all = out[1];
      assertEquals("1", out[0], all);
      oneLine(all, "Read-only file system");
      if (ro.equals(run)) {
        oneLine(all, "align4j run: cannot write the run's log file " + run.resolve("logs/align4j.log"));
      } else {
        oneLine(all, "output 'counts': cannot put the new counts in place at " + run.resolve("c/counts"),
            "the previous one is kept");
      }
      assertEquals(counts, Files.readString(run.resolve("c/counts")), "the finished output is intact");
      try (var s = Files.list(run.resolve("c"))) {
        assertEquals(List.of("counts"), s.map(p -> p.getFileName().toString()).toList());
      }
    }
  }

  static boolean canUnshare() {
    try {
      Process p = new ProcessBuilder("unshare", "-m", "sh", "-c", "mount --bind /tmp /tmp")
          .redirectErrorStream(true).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  /** Runs the launcher in a private mount namespace where {@code ro} is read-only: exit code and output. */
  static String[] readOnly(Path ro, String... args) throws Exception {
    var cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "org.align4j.launcher.Main"));
    cmd.addAll(List.of(args));
    var q = new StringBuilder();
    for (String c : cmd) {
      q.append(" '").append(c.replace("'", "'\\''")).append("'");
    }
    String r = ro.toString().replace("'", "'\\''");
    Process p = new ProcessBuilder("unshare", "-m", "sh", "-c", "mount --bind '" + r + "' '" + r + "' && mount -o remount,bind,ro '"
        + r + "' '" + r + "' && exec" + q).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    return new String[] {String.valueOf(p.exitValue()), out};
  }
}
