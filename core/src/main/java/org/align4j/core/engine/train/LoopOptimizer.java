package org.align4j.core.engine.train;

import java.nio.file.Path;
import java.util.Map;
import org.align4j.api.engine.Trainer;
import org.bytedeco.pytorch.Tensor;

/**
 * What {@link LocalTrainer}'s loop needs of its optimiser beyond {@link Trainer.Optimizer}: the moments in the
 * checkpoint format ({@code adam_m/<name>}, {@code adam_v/<name>}, whole tensors) whether one rank holds them all
 * ({@link AdamW}) or each rank a slice ({@link ZeroAdamW}), so a checkpoint resumes with any number of ranks.
 */
interface LoopOptimizer extends Trainer.Optimizer {
  void setSteps(long s);

  /**
   * The moments by checkpoint name, whole, on rank 0 (null elsewhere under ZeRO). A collective under ZeRO: every
   * rank calls it at the same step. Tensors it creates belong to the caller's {@code PointerScope}.
   */
  Map<String, Tensor> momentsForCheckpoint();

  /** Takes the moments from a checkpoint's tensors (rank 0, before {@link #broadcastMoments}). */
  void restoreMoments(Map<String, Tensor> state, Path ckpt);

  /** Rank 0's moments to every rank (each keeps what it holds). A collective. */
  void broadcastMoments(Trainer.GradientSync sync);

  /** Bytes of optimiser state this process holds (the moment tensors as allocated). */
  long stateBytes();
}
