package com.example.embed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.align4j.core.Align4j;
import org.align4j.core.pipeline.RunResult;

/**
 * Generates a small task corpus, trains a tokenizer on it and pretrains a tiny Llama for a few steps, each
 * stage as one library call into the same run directory; prints where the model went.
 */
public final class EmbedMain {
  private EmbedMain() {}

  public static void main(String[] args) throws Exception {
    Path runDir = Path.of(args[0]);
    Align4j a4j = Align4j.create();
    RunResult tasks = check(a4j.stage("tasks")
        .options(Map.of("sft_examples", 10, "eval_prompts", 8, "corpus_documents", 300, "train_prompts", 0,
            "gatt_dialogues", 0, "preference_pairs", 0))
        .output("corpus_text", "data/corpus.txt")  // plain text: readers tell formats by extension
        .runIn(runDir));
    Path corpus = tasks.output("tasks", "corpus_text");
    RunResult tokenizer = check(a4j.stage("tokenizer-train")
        .input("corpus", corpus)
        .options(Map.of("format", "llama3", "vocab_size", 400, "reserved_special_tokens", 16))
        .runIn(runDir));
    RunResult pretrain = check(a4j.stage("pretrain")
        .input("corpus", corpus)
        .options(Map.of("hidden_size", 32, "layers", 1, "heads", 2, "seq_len", 32, "batch_size", 4, "steps", 3))
        .defaults(Map.of("threads", 1, "tokenizer", tokenizer.output("tokenizer-train", "tokenizer")))
        .runIn(runDir));
    Path model = pretrain.output("pretrain", "model");
    if (!Files.exists(model.resolve("config.json"))) {
      throw new IllegalStateException("no config.json in " + model);
    }
    System.out.println("model: " + model);
  }

  private static RunResult check(RunResult r) {
    if (!r.ok()) {
      throw new IllegalStateException("a stage failed: " + r.stages());
    }
    return r;
  }
}
