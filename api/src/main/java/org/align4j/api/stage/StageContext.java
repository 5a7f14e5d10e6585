package org.align4j.api.stage;

import java.io.IOException;
import java.io.OutputStream;
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

  /**
   * Writes a file of this stage so that it is never seen half-written: {@code content} goes to a temporary
   * sibling of {@code target}, which is synced and renamed over it only once complete. If anything fails, the
   * temporary file is removed, whatever was at {@code target} stays as it was, and the exception names the file
   * and the reason. This is how a stage keeps its resume state in {@link #workDir()} consistent when it is
   * killed mid-write. {@code target} must lie inside {@link #workDir()} or an {@link #output(String)}.
   */
  void writeAtomically(Path target, FileContent content) throws IOException;

  /**
   * Puts {@code source}, a file or directory the stage has finished (a checkpoint, say), at {@code target},
   * replacing what is there only once the new one is whole beside it, even when the two are on different file
   * systems. On failure the old {@code target} is kept and the new one is left at {@code source} (the
   * exception says where). Both must lie inside {@link #workDir()} or an {@link #output(String)}.
   */
  void replaceAtomically(Path source, Path target) throws IOException;

  /** The whole content of a file written by {@link #writeAtomically}; closing {@code out} is allowed, not needed. */
  @FunctionalInterface
  interface FileContent {
    void writeTo(OutputStream out) throws IOException;
  }
}
