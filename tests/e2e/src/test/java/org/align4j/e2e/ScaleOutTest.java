package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.align4j.core.engine.io.SafeTensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code align4j run --nproc-per-node 2} on a tiny pipeline (pretrain, SFT, greedy generation, sampled preference
 * collection, reward model, DPO, rejection sampling): the same parameters as one process, the same greedy dataset, one run directory; a
 * rank killed mid-run fails the job naming it, and the same command resumes; a rank that never joins fails within the
 * join timeout. Every rank runs one libtorch thread.
 */
class ScaleOutTest {
  @TempDir Path dir;

  /** The pipeline; the training stages' batch is 4, so each of 2 ranks computes 2 examples of every micro-batch. */
  static String recipe(Path runDir, int sftSteps, boolean preferences) {
    String base = """
        name: scale-out
        run_dir: %s
        defaults: {device: cpu, seed: 17, threads: 1, chat_format: llama3, tokenizer: "${stages.tokenizer.outputs.tokenizer}"}
        metrics: [jsonl]
        stages:
          %s
          - id: pretrain
            uses: pretrain
            inputs: {corpus: "${stages.tasks.outputs.corpus_text}"}
            options: {hidden_size: 32, layers: 2, heads: 2, attention: {uses: gqa, kv_heads: 1}, seq_len: 32, batch_size: 4,
                      optimizer: {lr: 3.0e-3}, steps: 3}
          - id: sft
            uses: sft
            inputs: {model: "${stages.pretrain.outputs.model}", data: "${stages.tasks.outputs.sft}"}
            options: {seq_len: 96, batch_size: 4, optimizer: {lr: 1.0e-3, warmup_ratio: 0.0}, steps: %d, checkpoint_every: 2}
        """.formatted(runDir, TinyRecipes.tasksAndTokenizer("{corpus_text: data/corpus.txt, sft: data/sft.arrow,"
            + " eval_prompts: data/eval_prompts.arrow, prompts: data/prompts.arrow}", 64, 12, 12, 300).strip(), sftSteps);
    return !preferences ? base : base + """
          - id: generate
            uses: generate
            inputs: {model: "${stages.sft.outputs.model}", prompts: "${stages.tasks.outputs.eval_prompts}"}
            options: {policy: sft, max_new_tokens: 6, batch_size: 2}
          - id: collect
            uses: generate
            inputs: {model: "${stages.sft.outputs.model}", prompts: "${stages.tasks.outputs.prompts}"}
            options: {samples_per_prompt: 2, temperature: 1.0, max_new_tokens: 8, batch_size: 2}
          - id: annotate
            uses: annotate
            inputs: {samples: "${stages.collect.outputs.samples}"}
          - id: rm
            uses: reward-model
            inputs: {model: "${stages.sft.outputs.model}", data: "${stages.annotate.outputs.preferences}"}
            options: {loss: {uses: ranking}, optimizer: {lr: 1.0e-3, warmup_ratio: 0.0}, batch_size: 4, steps: 3, eval_fraction: 0.0}
          - id: dpo
            uses: dpo
            inputs: {model: "${stages.sft.outputs.model}", data: "${stages.annotate.outputs.preferences}"}
            options: {loss: {uses: dpo, beta: 0.1}, optimizer: {lr: 1.0e-3, warmup_ratio: 0.0}, batch_size: 4, steps: 3}
          - id: eval
            uses: evaluate
            inputs: {samples: "${stages.collect.outputs.samples}"}
          - id: ppo
            uses: ppo
            inputs: {model: "${stages.sft.outputs.model}", prompts: "${stages.tasks.outputs.prompts}"}
            options: {reward: {uses: task-suite}, loss: {uses: ppo, kl_coef: 0.05}, iterations: 2, batch_size: 4,
                      samples_per_prompt: 2, mini_batch_size: 4, generation_batch: 2, max_new_tokens: 6,
                      optimizer: {lr: 1.0e-3}, value_lr: 1.0e-3, checkpoint_every: 0}
          - id: rs
            uses: rejection-sampling
            inputs: {model: "${stages.sft.outputs.model}", prompts: "${stages.tasks.outputs.prompts}"}
            options: {samples_per_prompt: 2, temperature: 1.0, max_new_tokens: 6, prompts_per_chunk: 2,
                      reward: {uses: task-suite}}
        """;
  }

  @Test
  @Timeout(value = 480, unit = TimeUnit.SECONDS)
  void twoRanksTrainAndGenerateLikeOneProcess() throws Exception {
    Path recipe = Files.writeString(dir.resolve("r.yaml"), recipe(dir.resolve("two"), 4, true));
    var two = Cli.run("run", recipe.toString(), "--nproc-per-node", "2", "--threads-per-rank", "1");
    assertEquals(0, two.exit(), two.toString());
    // each rank computed its half of every global batch (so equal parameters below are not one batch computed twice)
    assertTrue(two.toString().contains("[rank 1] ") && two.toString().contains("rank 1 of 2 computes 2 of every 4 examples"),
        two.toString());
    // evaluate and PPO shared their work: each rank scored, generated and computed a part
    assertTrue(two.toString().contains("evaluate: rank 1 of 2 scored 8 of the 24 samples"), two.toString());
    assertTrue(two.toString().contains("ppo: rank 1 of 2 generates every 2th batch"), two.toString());
    var one = Cli.run("run", recipe.toString(), "--set", "run_dir=" + dir.resolve("one"));
    assertEquals(0, one.exit(), one.toString());
    // ZeRO-1: the same pipeline on 2 ranks, each keeping half of AdamW's moments in every trainer stage
    var zero = Cli.run("run", recipe.toString(), "--nproc-per-node", "2", "--threads-per-rank", "1",
        "--set", "run_dir=" + dir.resolve("zero"), "--set", "defaults.zero=1");
    assertEquals(0, zero.exit(), zero.toString());
    assertTrue(zero.toString().contains("ZeRO-1: rank 1 of 2 keeps AdamW's moments for"), zero.toString());

    Map<String, Tensor> sft = SafeTensors.read(dir.resolve("one/sft/model/model.safetensors"));
    for (String run : List.of("two", "zero"))
    for (String model : List.of("pretrain/model", "sft/model", "rm/model", "dpo/model", "ppo/model")) {
      Map<String, Tensor> a = SafeTensors.read(dir.resolve(run).resolve(model).resolve("model.safetensors"));
      Map<String, Tensor> b = SafeTensors.read(dir.resolve("one").resolve(model).resolve("model.safetensors"));
      assertEquals(b.keySet(), a.keySet(), model);
      double worst = 0;
      for (String k : b.keySet()) {
        worst = Math.max(worst, a.get(k).sub(b.get(k)).abs().max().item_double());
      }
      if (model.startsWith("rm") || model.startsWith("dpo") || model.startsWith("ppo")) { // a wrong gradient would show
        double moved = 0;
        for (String k : sft.keySet()) {
          moved = b.containsKey(k) ? Math.max(moved, b.get(k).sub(sft.get(k)).abs().max().item_double()) : moved;
        }
        assertTrue(moved > 1e-4, model + " did not move from the SFT model: " + moved);
      }
      System.out.printf("%s: %s (2 ranks) vs 1 process, max parameter difference %.3g%n", model, run, worst);
      assertTrue(worst <= 1e-5, model + ": " + run + " (2 ranks) vs 1 process differ by " + worst);
    }
    // the greedy dataset is the same file; sampled preferences pick the same pairs; evaluate writes the same tables
    assertArrayEquals(Files.readAllBytes(dir.resolve("one/generate/samples")), Files.readAllBytes(dir.resolve("two/generate/samples")));
    for (String data : List.of("annotate/preferences", "rs/samples", "rs/data", "eval/evaluation/summary.json",
        "eval/evaluation/table.csv")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("one").resolve(data)), Files.readAllBytes(dir.resolve("two").resolve(data)),
          data);
    }
    // PPO's rollouts were the one process's: the same scores and KL in every iteration's metrics
    var oneReport = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("one/ppo/report").toFile());
    var twoReport = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("two/ppo/report").toFile());
    for (int it = 0; it < 2; it++) {
      for (String k : List.of("score_raw", "response_length", "kl_per_token")) {
        assertEquals(oneReport.at("/history/" + it + "/" + k).asDouble(), twoReport.at("/history/" + it + "/" + k).asDouble(),
            1e-6, "ppo iteration " + (it + 1) + " " + k);
      }
    }
    // one run directory: rank 0's outputs, metrics and logs; rank 1 wrote scratch and its own log only
    assertEquals(count(dir.resolve("one/metrics.jsonl"), "train/loss"), count(dir.resolve("two/metrics.jsonl"), "train/loss"));
    assertTrue(Files.isDirectory(dir.resolve("two/.align4j/ranks/rank-1/tmp/sft")));
    assertTrue(Files.exists(dir.resolve("two/logs/align4j.rank-1.log")));
    assertTrue(Files.exists(dir.resolve("two/.align4j/work/sft/checkpoints/latest")));
    assertTrue(!Files.exists(dir.resolve("two/.align4j/ranks/rank-1/work/sft/checkpoints")), "rank 1 wrote checkpoints");

    // a rerun on 2 ranks skips every stage (rank 0 decides, rank 1 follows)
    var again = Cli.run("run", recipe.toString(), "--nproc-per-node", "2", "--threads-per-rank", "1");
    assertEquals(0, again.exit(), again.toString());
    assertTrue(again.out().matches("(?s).*tasks\\s+skipped.*rs\\s+skipped.*"), again.out());
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void aKilledRankFailsTheJobNamingItAndTheSameCommandResumes() throws Exception {
    Path recipe = Files.writeString(dir.resolve("r.yaml"), recipe(dir.resolve("run"), 400, false));
    Path log = dir.resolve("launcher.log");
    var cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "org.align4j.launcher.Main", "run", recipe.toString(), "--nproc-per-node", "2", "--threads-per-rank", "1"));
    var pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("CI", "true");
    Process launcher = pb.start();
    try {
      Path ckpt = dir.resolve("run/.align4j/work/sft/checkpoints/latest");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
      while (!Files.exists(ckpt) && launcher.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(launcher.isAlive() && Files.exists(ckpt), "sft did not checkpoint while running: " + Files.readString(log));
      var m = Pattern.compile("rank 1 of 2 started \\(local rank 1 on node 0, pid (\\d+)").matcher(Files.readString(log));
      assertTrue(m.find(), Files.readString(log));
      long pid = Long.parseLong(m.group(1));
      long t0 = System.nanoTime();
      assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly()); // kill -9 rank 1
      assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the launcher did not end after rank 1 died");
      double secs = (System.nanoTime() - t0) / 1e9;
      String out = Files.readString(log);
      assertEquals(1, launcher.exitValue(), out);
      assertTrue(out.contains("align4j run: rank 1 (pid " + pid + ") was killed by signal 9"), out);
      System.out.printf("kill -9 of rank 1: the job failed after %.1f s%n", secs);
      assertTrue(!Files.exists(dir.resolve("run/sft/model")), "a killed stage must not publish");
    } finally {
      launcher.destroyForcibly();
    }
    var again = Cli.run("run", recipe.toString(), "--nproc-per-node", "2", "--threads-per-rank", "1");
    assertEquals(0, again.exit(), again.toString());
    assertTrue(again.out().matches("(?s).*pretrain\\s+skipped.*sft\\s+ran.*"), again.out());
    assertTrue(again.toString().contains("resuming from"), "sft resumed from rank 0's checkpoint: " + again);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aRankThatNeverJoinsFailsWithinTheJoinTimeoutNamingIt() throws Exception {
    // rank 0 of 2 started the torchrun way (environment only); rank 1 never comes
    Path recipe = Files.writeString(dir.resolve("r.yaml"), recipe(dir.resolve("run"), 4, false));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    var pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "org.align4j.launcher.Main", "run", recipe.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("rank0.log").toFile());
    Map<String, String> env = pb.environment();
    env.putAll(Map.of("RANK", "0", "WORLD_SIZE", "2", "LOCAL_RANK", "0", "MASTER_ADDR", "127.0.0.1",
        "MASTER_PORT", String.valueOf(port), "ALIGN4J_JOIN_TIMEOUT", "3", "ALIGN4J_THREADS", "1", "CI", "true"));
    Process p = pb.start();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "rank 0 waited past the join timeout");
    String out = Files.readString(dir.resolve("rank0.log"));
    assertNotEquals(0, p.exitValue(), out);
    assertTrue(out.contains("rank 1 did not join the process group at 127.0.0.1:" + port + " within 3 s"), out);
  }

  private static long count(Path file, String what) throws Exception {
    return Files.readAllLines(file).stream().filter(l -> l.contains("\"" + what + "\"")).count();
  }
}
