package org.align4j.api.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.api.loss.LossResult;
import org.align4j.api.metrics.Metrics;
import org.align4j.api.metrics.Progress;
import org.bytedeco.pytorch.Tensor;

/**
 * Engine service: a generic training loop. A stage hands it the tensors to train and a step function
 * (examples -&gt; {@link LossResult}); the trainer draws micro-batches of example indices in a seeded order,
 * back-propagates, accumulates, clips, steps AdamW on the schedule, reports metrics and progress, and writes
 * periodic checkpoints from which a killed run resumes to bitwise-identical losses on the CPU.
 */
public interface Trainer {
  TrainResult train(Job job);

  /**
   * The optimiser alone, for stages that drive their own loop (the bundled {@code ppo} stage keeps one per model,
   * with Adam's moments, across its iterations and checkpoints it with {@link Optimizer#save}): back-propagate
   * yourself, then call {@link Optimizer#step()}. In a launch of several ranks {@code step()} first averages the
   * gradients over them: compute each rank's share of a batch with its loss weighted by its share times the world
   * size (a stage that computes the whole batch on every rank gets the one-process step too).
   *
   * @param options AdamW, schedule and clipping (a stage's {@code optimizer:} block)
   * @param totalSteps length of the schedule (cosine decay and warm-up ratio refer to it)
   */
  Optimizer optimizer(Map<String, Tensor> parameters, OptimizerOptions options, long totalSteps);

  /** AdamW with the options' schedule and clipping over fixed parameters. */
  interface Optimizer extends AutoCloseable {
    /**
     * Clips the gradients to {@code gradClip}, applies one AdamW update at the scheduled learning rate and zeroes
     * the gradients. Parameters without a gradient are skipped.
     *
     * @return the global gradient norm before clipping (NaN/inf: nothing is updated and the caller decides)
     */
    double step();

    /** Learning rate the next {@link #step()} will use. */
    double lr();

    /** Steps taken. */
    long steps();

    /** Zeroes the gradients without updating. */
    void zeroGrad();

    /**
     * Writes the optimiser's state (both moments of every parameter and the step count, not the parameters) to
     * {@code file} atomically, so a stage that drives its own loop can resume exactly.
     */
    void save(java.nio.file.Path file);

    /**
     * Restores a state written by {@link #save} for the same parameters (names and shapes); an
     * {@link org.align4j.api.Align4jException} naming the file when it belongs to other parameters.
     */
    void load(java.nio.file.Path file);

    @Override
    void close();
  }

  /**
   * One micro-batch to compute.
   *
   * @param step optimiser step (0-based)
   * @param micro micro-batch within the step (0..accumulation-1)
   * @param epoch epoch the first index was drawn in
   * @param indices example indices (into 0..examples-1) of this micro-batch on this process
   * @param seed a seed derived from the run seed and (step, micro, rank): use it for any randomness in the step,
   *     so a resumed run draws the same numbers
   */
  record Step(long step, int micro, int epoch, int[] indices, long seed) {}

  /** Computes a micro-batch's loss (with autograd). The trainer calls backward and frees the step's tensors. */
  @FunctionalInterface
  interface StepFunction {
    LossResult compute(Step step);
  }

  /**
   * All-reduces gradients across data-parallel processes (see the core's {@code DataParallel}). The trainer's
   * {@link TrainerOptions#batchSize()} is the global batch: each micro-batch's indices are split into
   * {@code worldSize} contiguous shards and this process computes shard {@code rank}, so N processes step like one
   * with the same batch. Each shard's loss is weighted by its share of the micro-batch (its {@code loss_tokens}
   * diagnostic when the loss reports one, i.e. a mean over tokens, else its example count), which makes the
   * averaged gradient the one process's gradient.
   */
  interface GradientSync {
    int rank();

    int worldSize();

    /** Replaces each gradient by its mean over the processes. */
    void averageGradients(List<Tensor> grads);

    /** Mean of a scalar over the processes (for logging the global loss). */
    double average(double value);

    /** Sum of a scalar over the processes. */
    default double sum(double value) {
      return average(value) * worldSize();
    }

    /**
     * Diagnostics averaged over the processes, each process's weighted by {@code weight} (a key a process lacks
     * counts as 0 there); a collective, so every process calls it at the same step.
     */
    default Map<String, Double> average(Map<String, Double> values, double weight) {
      return values;
    }

    /** Copies rank 0's values of these tensors to every rank (called before training starts). */
    default void broadcast(Map<String, Tensor> tensors) {}
  }

  /**
   * @param parameters trainable tensors by a stable name (the names key the checkpoint), e.g.
   *     {@code model.parameters()}
   * @param examples number of examples; the trainer shuffles 0..examples-1 each epoch
   * @param step the step function
   * @param options optimiser and loop settings
   * @param checkpointDir where checkpoints go and are resumed from (null: no checkpoints, no resume)
   * @param metrics receives {@code train/loss}, {@code train/lr}, {@code train/grad_norm},
   *     {@code train/tokens_per_s} (when the loss diagnostics carry {@code tokens}) and {@code train/<diagnostic>}
   * @param progress advanced once per optimiser step (nullable)
   * @param sync data-parallel gradient averaging (null: the process group of the launch, i.e. torchrun-style
   *     RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT when WORLD_SIZE &gt; 1, else one process)
   */
  record Job(
      Map<String, Tensor> parameters,
      int examples,
      StepFunction step,
      TrainerOptions options,
      Path checkpointDir,
      Metrics metrics,
      Progress progress,
      GradientSync sync) {
    public Job {
      if (parameters == null || parameters.isEmpty()) {
        throw new IllegalArgumentException("no parameters to train");
      }
      if (examples < 1) {
        throw new IllegalArgumentException("examples must be >= 1, got " + examples);
      }
      if (step == null || options == null) {
        throw new IllegalArgumentException("step function and options are required");
      }
    }
  }

  /**
   * @param steps optimiser steps completed in total (including before a resume)
   * @param resumedFrom the step this call resumed from (0 for a fresh run)
   * @param losses the loss of each step this call ran (mean over its micro-batches), in order
   * @param lastCheckpoint the newest checkpoint directory, or null
   */
  record TrainResult(long steps, long resumedFrom, List<Double> losses, Path lastCheckpoint) {}
}
