package org.align4j.api.engine;

/**
 * Settings of a {@link Trainer} run: the optimiser and its schedule ({@link OptimizerOptions}, a training stage's
 * {@code optimizer:} block, passed through as the recipe bound it) and the loop around it.
 *
 * @param optimizer AdamW, learning-rate schedule and gradient clipping
 * @param batchSize examples per micro-batch, over all processes under data parallel (each computes its shard)
 * @param accumulation micro-batches per optimiser step
 * @param epochs passes over the examples (ignored when maxSteps &gt; 0)
 * @param maxSteps optimiser steps; 0: as many as epochs take
 * @param seed data order and per-step seeds
 * @param checkpointEvery steps between checkpoints; 0: only at the end
 * @param logEvery steps between metric reports
 */
public record TrainerOptions(
    OptimizerOptions optimizer,
    int batchSize,
    int accumulation,
    int epochs,
    long maxSteps,
    long seed,
    int checkpointEvery,
    int logEvery) {

  public TrainerOptions {
    if (optimizer == null) {
      throw new IllegalArgumentException("optimizer options are required");
    }
    if (batchSize < 1 || accumulation < 1) {
      throw new IllegalArgumentException("batchSize and accumulation must be >= 1, got " + batchSize + ", " + accumulation);
    }
    if (epochs < 1 && maxSteps <= 0) {
      throw new IllegalArgumentException("give epochs >= 1 or maxSteps >= 1");
    }
    if (checkpointEvery < 0 || logEvery < 1) {
      throw new IllegalArgumentException("checkpointEvery must be >= 0 and logEvery >= 1, got " + checkpointEvery + ", " + logEvery);
    }
  }

  /** {@link OptimizerOptions#constant}{@code (lr)}, batch 1, one epoch, seed 0, checkpoints only at the end. */
  public static TrainerOptions defaults(double lr) {
    return new TrainerOptions(OptimizerOptions.constant(lr), 1, 1, 1, 0, 0L, 0, 1);
  }

  public TrainerOptions withOptimizer(OptimizerOptions o) {
    return new TrainerOptions(o, batchSize, accumulation, epochs, maxSteps, seed, checkpointEvery, logEvery);
  }

  public TrainerOptions withSchedule(String s, int warmup, double warmupRatio, double minRatio) {
    return withOptimizer(optimizer.withSchedule(s, warmup, warmupRatio, minRatio));
  }

  public TrainerOptions withAdamW(double wd, double b1, double b2, double e) {
    return withOptimizer(optimizer.withAdamW(wd, b1, b2, e));
  }

  public TrainerOptions withGradClip(double clip) {
    return withOptimizer(optimizer.withGradClip(clip));
  }

  public TrainerOptions withBatch(int batch, int accum) {
    return new TrainerOptions(optimizer, batch, accum, epochs, maxSteps, seed, checkpointEvery, logEvery);
  }

  public TrainerOptions withLength(int ep, long steps) {
    return new TrainerOptions(optimizer, batchSize, accumulation, ep, steps, seed, checkpointEvery, logEvery);
  }

  public TrainerOptions withSeed(long s) {
    return new TrainerOptions(optimizer, batchSize, accumulation, epochs, maxSteps, s, checkpointEvery, logEvery);
  }

  public TrainerOptions withCheckpointEvery(int n) {
    return new TrainerOptions(optimizer, batchSize, accumulation, epochs, maxSteps, seed, n, logEvery);
  }

  public TrainerOptions withLogEvery(int n) {
    return new TrainerOptions(optimizer, batchSize, accumulation, epochs, maxSteps, seed, checkpointEvery, n);
  }
}
