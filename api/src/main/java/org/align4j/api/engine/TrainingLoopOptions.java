package org.align4j.api.engine;

import java.util.ArrayList;
import org.align4j.api.Default;
import org.align4j.api.Doc;

/**
 * The loop around a training stage's optimiser: batch, length, checkpoints and metric reports. A stage nests it as a
 * {@link org.align4j.api.Flat @Flat} component, so a recipe writes {@code epochs: 2, log_every: 5} directly under the
 * stage's {@code options:}, and states its own defaults with a partial {@code @Default("{batch_size: 16, epochs: 1}")}
 * on that component (the keys it leaves out keep the defaults below).
 *
 * @param batchSize examples (rows, preference pairs) per micro-batch, over all ranks of a data-parallel run
 * @param accumulation micro-batches per optimiser step
 * @param epochs passes over the examples (when steps is 0)
 * @param steps optimiser steps; 0: as many as epochs take
 * @param checkpointEvery steps between checkpoints (resume points); 0: only at the end
 * @param logEvery steps between metric reports
 */
public record TrainingLoopOptions(
    @Doc("examples (rows, preference pairs) per micro-batch (over all ranks)") @Default("8") int batchSize,
    @Doc("micro-batches per optimiser step") @Default("1") int accumulation,
    @Doc("passes over the data (when steps is 0)") @Default("1") int epochs,
    @Doc("optimiser steps (0: from epochs)") @Default("0") long steps,
    @Doc("steps between checkpoints (resume points); 0: only at the end") @Default("25") int checkpointEvery,
    @Doc("steps between metric reports") @Default("5") int logEvery) {

  /** The largest micro-batch: 2 x 4096 x 131,072 tokens still fit a Java array. */
  public static final int MAX_BATCH_SIZE = 4096;

  /** Checks every range at once, so a recipe learns all its bad values in one validation. */
  public TrainingLoopOptions {
    var bad = new ArrayList<String>();
    if (batchSize < 1 || accumulation < 1) {
      bad.add("batch_size and accumulation must be >= 1, got " + batchSize + ", " + accumulation);
    } else if (batchSize > MAX_BATCH_SIZE) {
      // batches are built as flat arrays of 2 x batch_size x tokens (chosen and rejected): within an array's size at
      // any sequence length a stage accepts (131,072)
      bad.add("batch_size must be <= " + MAX_BATCH_SIZE + " examples per micro-batch, got " + batchSize
          + "; for a larger batch raise accumulation");
    }
    if (steps < 0 || epochs < 0) {
      bad.add("steps and epochs must be >= 0, got " + steps + ", " + epochs);
    } else if (epochs < 1 && steps == 0) {
      bad.add("give epochs >= 1 or steps >= 1");
    }
    if (checkpointEvery < 0 || logEvery < 1) {
      bad.add("checkpoint_every must be >= 0 and log_every >= 1, got " + checkpointEvery + ", " + logEvery);
    }
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", bad));
    }
  }

  /** The {@link Trainer}'s settings: this loop around {@code optimizer}, data order and step seeds from {@code seed}. */
  public TrainerOptions trainerOptions(OptimizerOptions optimizer, long seed) {
    return new TrainerOptions(optimizer, batchSize, accumulation, epochs, steps, seed, checkpointEvery, logEvery);
  }
}
