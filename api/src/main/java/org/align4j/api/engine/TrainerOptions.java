package org.align4j.api.engine;

/**
 * Optimiser, schedule and loop settings of a {@link Trainer} run. AdamW with decoupled weight decay (not
 * applied to 1-D tensors such as norm weights), learning rate warm-up (linear from 0) then constant or cosine
 * decay to {@code lr * minLrRatio}.
 *
 * @param lr peak learning rate
 * @param schedule {@code constant} or {@code cosine}
 * @param warmupSteps warm-up steps (the effective warm-up is the larger of this and warmupRatio * total)
 * @param warmupRatio warm-up as a fraction of the total steps (Llama 2 RM: 0.03 with a minimum of 5 steps)
 * @param minLrRatio floor of the cosine schedule as a fraction of lr (Llama 2 RM: 0.1)
 * @param weightDecay decoupled weight decay
 * @param beta1 Adam beta1
 * @param beta2 Adam beta2
 * @param eps Adam epsilon
 * @param gradClip max global grad norm; 0 for no clipping
 * @param batchSize examples per micro-batch (per process under data parallel)
 * @param accumulation micro-batches per optimiser step
 * @param epochs passes over the examples (ignored when maxSteps &gt; 0)
 * @param maxSteps optimiser steps; 0: as many as epochs take
 * @param seed data order and per-step seeds
 * @param checkpointEvery steps between checkpoints; 0: only at the end
 * @param logEvery steps between metric reports
 */
public record TrainerOptions(
    double lr,
    String schedule,
    int warmupSteps,
    double warmupRatio,
    double minLrRatio,
    double weightDecay,
    double beta1,
    double beta2,
    double eps,
    double gradClip,
    int batchSize,
    int accumulation,
    int epochs,
    long maxSteps,
    long seed,
    int checkpointEvery,
    int logEvery) {

  public TrainerOptions {
    if (!(lr >= 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("lr must be a finite number >= 0, got " + lr);
    }
    if (schedule == null || !(schedule.equals("constant") || schedule.equals("cosine"))) {
      throw new IllegalArgumentException("schedule must be constant or cosine, got " + schedule);
    }
    if (warmupSteps < 0 || !(warmupRatio >= 0 && warmupRatio < 1)) {
      throw new IllegalArgumentException("warm-up must be >= 0 steps and a ratio in [0, 1), got " + warmupSteps + ", " + warmupRatio);
    }
    if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
      throw new IllegalArgumentException("minLrRatio must be in [0, 1], got " + minLrRatio);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
      throw new IllegalArgumentException("AdamW needs betas in [0, 1) and eps > 0, got " + beta1 + ", " + beta2 + ", " + eps);
    }
    if (!(gradClip >= 0)) {
      throw new IllegalArgumentException("gradClip must be >= 0 (0 = off), got " + gradClip);
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

  /** AdamW (0.9, 0.95, 1e-8), constant lr, no decay or clipping, batch 1, one epoch. */
  public static TrainerOptions defaults(double lr) {
    return new TrainerOptions(lr, "constant", 0, 0, 0, 0, 0.9, 0.95, 1e-8, 0, 1, 1, 1, 0, 0L, 0, 1);
  }

  public TrainerOptions withSchedule(String s, int warmup, double warmupRatio, double minRatio) {
    return new TrainerOptions(lr, s, warmup, warmupRatio, minRatio, weightDecay, beta1, beta2, eps, gradClip, batchSize,
        accumulation, epochs, maxSteps, seed, checkpointEvery, logEvery);
  }

  public TrainerOptions withAdamW(double wd, double b1, double b2, double e) {
    return new TrainerOptions(lr, schedule, warmupSteps, warmupRatio, minLrRatio, wd, b1, b2, e, gradClip, batchSize,
        accumulation, epochs, maxSteps, seed, checkpointEvery, logEvery);
  }

  public TrainerOptions withGradClip(double clip) {
    return new TrainerOptions(lr, schedule, warmupSteps, warmupRatio, minLrRatio, weightDecay, beta1, beta2, eps, clip,
        batchSize, accumulation, epochs, maxSteps, seed, checkpointEvery, logEvery);
  }

  public TrainerOptions withBatch(int batch, int accum) {
    return new TrainerOptions(lr, schedule, warmupSteps, warmupRatio, minLrRatio, weightDecay, beta1, beta2, eps, gradClip,
        batch, accum, epochs, maxSteps, seed, checkpointEvery, logEvery);
  }

  public TrainerOptions withLength(int ep, long steps) {
    return new TrainerOptions(lr, schedule, warmupSteps, warmupRatio, minLrRatio, weightDecay, beta1, beta2, eps, gradClip,
        batchSize, accumulation, ep, steps, seed, checkpointEvery, logEvery);
  }

  public TrainerOptions withSeed(long s) {
    return new TrainerOptions(lr, schedule, warmupSteps, warmupRatio, minLrRatio, weightDecay, beta1, beta2, eps, gradClip,
        batchSize, accumulation, epochs, maxSteps, s, checkpointEvery, logEvery);
  }

  public TrainerOptions withCheckpointEvery(int n) {
    return new TrainerOptions(lr, schedule, warmupSteps, warmupRatio, minLrRatio, weightDecay, beta1, beta2, eps, gradClip,
        batchSize, accumulation, epochs, maxSteps, seed, n, logEvery);
  }

  public TrainerOptions withLogEvery(int n) {
    return new TrainerOptions(lr, schedule, warmupSteps, warmupRatio, minLrRatio, weightDecay, beta1, beta2, eps, gradClip,
        batchSize, accumulation, epochs, maxSteps, seed, checkpointEvery, n);
  }
}
