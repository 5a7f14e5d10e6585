package org.align4j.api.stage;

import java.nio.file.Path;
import java.util.Optional;
import org.align4j.api.Components;
import org.align4j.api.metrics.Metrics;
import org.align4j.api.metrics.Progress;

/** What a running stage sees of the pipeline. */
public interface StageContext {
  /** The stage's id in the recipe (e.g. {@code rs-2}), not the provider id. */
  String stageId();

  /** The run directory of the whole recipe. */
  Path runDir();

  /**
   * Scratch space that survives an interrupted run (checkpoints for resume). Cleared when the stage's
   * fingerprint changes.
   */
  Path workDir();

  /** A required input's path; an error naming the stage if it is missing. */
  Path input(String name);

  Optional<Path> optionalInput(String name);

  /**
   * Where to write an output (file or directory, created by the stage). It is a temporary location;
   * the runner moves it to its final place only when {@link Stage#run} returns normally.
   */
  Path output(String name);

  /** The recipe's {@code defaults} block, resolved and typed (device, seed, tokenizer, chat format, ...). */
  RecipeDefaults defaults();

  /** The stage's seed: the recipe seed mixed with the stage id, so stages draw independent streams. */
  long seed();

  Metrics metrics();

  /** A progress reporter (a bar in a terminal, periodic log lines otherwise). */
  Progress progress(String task, long total, String unit);

  Components components();

  /**
   * The tokenizer a stage should use: its {@code tokenizer} input, else {@code defaults.tokenizer}, else the
   * tokenizer files saved beside {@code modelDir} (Hugging Face layout). Never null: with none of them an
   * {@link org.align4j.api.Align4jException} names the stage and the three ways to give one.
   */
  default Path tokenizerPath(Path modelDir) {
    var in = optionalInput("tokenizer");
    if (in.isPresent()) {
      return in.get();
    }
    Path d = defaults().tokenizer();
    if (d != null) {
      return d;
    }
    if (org.align4j.api.text.Tokenizers.hasTokenizer(modelDir)) {
      return modelDir;
    }
    throw new org.align4j.api.Align4jException("stage '" + stageId() + "' needs a tokenizer: give it an input"
        + " 'tokenizer', set defaults.tokenizer in the recipe, or use a model directory that holds tokenizer.json");
  }

  /** An engine service by type (the same instances that are injected into providers). */
  <T> T service(Class<T> type);
}
