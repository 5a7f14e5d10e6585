package org.align4j.launcher;

import static org.align4j.launcher.OneLineErrorsTest.oneLine;
import static org.align4j.launcher.OneLineErrorsTest.root;
import static org.align4j.launcher.OneLineErrorsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 through {@code align4j run}: an SFT stage given an empty dataset, a Parquet file named .jsonl, a device
 * this build cannot use.
 */
class BadStageInputsTest {
  @TempDir Path dir;

  /** The tiny Llama 3 fixture with a tokenizer of its vocabulary size beside it. */
  Path model() throws Exception {
    Path m = dir.resolve("model");
    if (Files.isDirectory(m)) {
      return m;
    }
    Files.createDirectories(m);
    Path fixture = root().resolve("tests/fixtures/hf-llama/tiny-llama3-gqa");
    for (String f : new String[] {"config.json", "model.safetensors"}) {
      Files.copy(fixture.resolve(f), m.resolve(f));
    }
    return m;
  }

  /** A tokenizer of the tiny model's vocabulary size trained first, then SFT of the tiny model on {@code data}. */
  Path sft(Path data, String device) throws Exception {
    Path corpus = dir.resolve("corpus.txt");
    if (!Files.exists(corpus)) {
      var text = new StringBuilder();
      for (int i = 0; i < 400; i++) {
        text.append("the quick brown fox ").append(i).append(" jumps over the lazy dog, again and again\n");
      }
      Files.writeString(corpus, text);
    }
    return Files.writeString(dir.resolve("sft.yaml"), """
        name: t
        run_dir: %s
        defaults: {device: %s, threads: 1, chat_format: llama3, tokenizer: "${stages.tok.outputs.tokenizer}"}
        stages:
          - id: tok
            uses: tokenizer-train
            inputs: {corpus: %s}
            options: {format: llama3, vocab_size: 512, reserved_special_tokens: 16}
          - id: sft
            uses: sft
            inputs: {model: %s, data: %s}
            options: {seq_len: 32, batch_size: 2, steps: 1}
        """.formatted(dir.resolve("run"), device, corpus, model(), data));
  }

  @Test
  void anotherModelsTokenizerIsRefusedInOneLine() throws Exception {
    Path pq = Files.copy(root().resolve("tests/fixtures/pyarrow/conversations.parquet"), dir.resolve("train.parquet"));
    Path r = Files.writeString(dir.resolve("sft.yaml"), """
        name: t
        run_dir: %s
        defaults: {threads: 1, chat_format: llama3, tokenizer: %s}
        stages:
          - {id: sft, uses: sft, inputs: {model: %s, data: %s}, options: {seq_len: 32, batch_size: 2, steps: 1}}
        """.formatted(dir.resolve("run"), root().resolve("plugins/rlhf/src/test/resources/tokenizer"), model(), pq));
    var res = run("run", r.toString());
    assertEquals(1, res.code(), res.toString());
    assertTrue(res.out().contains("the tokenizer has ") && res.out().contains("vocab_size 512"), res.toString());
    assertFalse(res.out().contains("frame #"), res.toString());
  }

  @Test
  void emptySftDataNamesTheFileTheInputAndTheFix() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
    var r = run("run", sft(empty, "cpu").toString());
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.out().contains(empty + ": input 'data' of stage 'sft' holds no conversations (an empty dataset); give it"),
        r.toString());
    assertFalse(r.out().contains("IllegalArgumentException") || r.err().contains("IllegalArgumentException"), r.toString());
  }

  @Test
  void parquetNamedJsonlIsReadAsParquet() throws Exception {
    Path pq = Files.copy(root().resolve("tests/fixtures/pyarrow/conversations.parquet"), dir.resolve("train.jsonl"));
    var r = run("run", sft(pq, "cpu").toString());
    assertEquals(0, r.code(), r.toString());
  }

  @Test
  void cudaOnACpuBuildIsRefusedBeforeAnyStageInOneLine() throws Exception {
    Path empty = Files.writeString(dir.resolve("e.jsonl"), "");
    for (String device : new String[] {"cuda", "cuda:99"}) {
      if (device.equals("cuda") && org.bytedeco.pytorch.global.torch.cuda_is_available()) {
        continue; // a CUDA build on a GPU machine: plain cuda is fine
      }
      Path recipe = sft(empty, device);
      var r = oneLine("run", run("run", recipe.toString()), recipe + ":3:", "device '" + device + "'", "defaults.device=cpu");
      assertEquals(2, r.code(), r.toString());
      assertEquals(1, r.err().strip().split("\n").length, r.toString());
      assertFalse(r.err().contains("Guice") || r.out().contains("Guice") || r.out().contains("running"), r.toString());
      assertFalse(Files.exists(dir.resolve("run")), "a run directory was made");
      var v = oneLine("validate", run("validate", recipe.toString()), recipe + ":3:", "device '" + device + "'");
      assertEquals(2, v.code(), v.toString());
    }
  }
}
