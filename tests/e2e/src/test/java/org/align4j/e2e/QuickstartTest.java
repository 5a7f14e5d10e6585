package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.align4j.testkit.Repo;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quickstart recipe, shortened with --set, end to end: SFT beats the base model on the task suite's
 * true reward; a second run skips every stage; a run killed with kill -9 after SFT's first checkpoint
 * resumes from it and reaches the same final metrics as the uninterrupted run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuickstartTest {
  @TempDir static Path dir;
  static final ObjectMapper JSON = new ObjectMapper();

  /** The shortened quickstart: same stages and methods, smaller data and fewer steps. */
  static List<String> shortened(Path runDir) {
    return List.of(
        "--set", "run_dir=" + runDir,
        "--set", "stages.tasks.options.sft_examples=1200",
        "--set", "stages.tasks.options.corpus_documents=4000",
        "--set", "stages.tasks.options.eval_prompts=200",
        "--set", "stages.pretrain.options.steps=200",
        "--set", "stages.sft.options.steps=200",
        "--set", "stages.sft.options.checkpoint_every=10");
  }

  static String[] args(String cmd, Path runDir, String... extra) {
    var a = new ArrayList<String>();
    a.add(cmd);
    a.add(Repo.root().resolve("recipes/quickstart.yaml").toString());
    a.addAll(shortened(runDir));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  static JsonNode summary(Path runDir) throws Exception {
    return JSON.readTree(runDir.resolve("eval/evaluation/summary.json").toFile());
  }

  static void copy(Path from, Path to) throws Exception {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else if (!p.getFileName().toString().equals("lock")) {
          Files.copy(p, t);
        }
      }
    }
  }

  static void deleteTree(Path p) throws Exception {
    if (!Files.exists(p)) {
      return;
    }
    try (var s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  @Test
  @Order(1)
  void sftBeatsTheBaseModelOnTrueRewardAndARerunSkipsEverything() throws Exception {
    Path run = dir.resolve("full");
    var cli = Cli.run(args("run", run));
    assertEquals(0, cli.exit(), cli.toString());
    JsonNode cmp = summary(run).path("comparison");
    double gap = cmp.path("gap").asDouble();
    double se = cmp.path("se").asDouble();
    long n = summary(run).path("policies").path("sft").path("all").path("n").asLong();
    assertTrue(n >= 200, "at least 200 held-out prompts, got " + n);
    assertTrue(gap > 3 * se, "SFT should beat base by more than 3 standard errors: gap " + gap + ", se " + se);
    assertTrue(Files.size(run.resolve("report.html")) > 10_000, "the report embeds its plots");
    assertTrue(Files.readString(run.resolve("report.html")).contains("data:image/png;base64,"));
    assertTrue(cli.out().contains("report: " + run.resolve("report.html")), cli.out());

    var again = Cli.run(args("run", run));
    assertEquals(0, again.exit(), again.toString());
    assertTrue(again.out().lines().filter(l -> l.matches("\\s+\\S+\\s+(ran|skipped)\\s.*")).allMatch(l -> l.contains(" skipped ")),
        again.out());
  }

  @Test
  @Order(2)
  void aRunKilledAfterSftsFirstCheckpointResumesToTheSameMetrics() throws Exception {
    // Start from a copy of the finished run without SFT and what follows it: the copy skips tasks, tokenizer
    // and pretrain (their fingerprints hold paths relative to the run directory), so only SFT onwards runs.
    Path run = dir.resolve("killed");
    copy(dir.resolve("full"), run);
    for (String st : List.of("sft", "generate-base", "generate-sft", "eval", "report")) {
      Files.deleteIfExists(run.resolve(".align4j/stages/" + st + ".json"));
      deleteTree(run.resolve(".align4j/work/" + st));
      deleteTree(run.resolve(st));
    }
    Files.deleteIfExists(run.resolve("report.html"));
    var cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "org.align4j.launcher.Main"));
    cmd.addAll(List.of(args("run", run)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
    Path latest = run.resolve(".align4j/work/sft/checkpoints/latest");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    while (!Files.exists(latest) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(p.isAlive() && Files.exists(latest), "sft never wrote a checkpoint before the run ended:\n"
        + Files.readString(dir.resolve("killed.log")));
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    assertTrue(!Files.exists(run.resolve("sft/model")), "a killed stage must not have published its model");

    var resumed = Cli.run(args("run", run));
    assertEquals(0, resumed.exit(), resumed.toString());
    assertTrue(resumed.out().matches("(?s).*pretrain\\s+skipped.*sft\\s+ran.*"), resumed.out());
    assertTrue(Files.readString(dir.resolve("killed.log")).contains("pretrain (pretrain): skipped"),
        "the copied run skipped pretraining");
    String log = Files.readString(run.resolve("logs/align4j.log"));
    assertTrue(log.contains("resum"), "the sft trainer should report that it resumed from its checkpoint");
    assertEquals(summary(dir.resolve("full")).path("policies"), summary(run).path("policies"),
        "the resumed run reaches the same final metrics as the uninterrupted run");
  }
}
