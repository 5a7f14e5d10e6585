package org.align4j.api.model;

import org.bytedeco.pytorch.Tensor;

/**
 * One forward pass's input.
 *
 * @param inputIds token ids, int64 {@code [B, T]}
 * @param positionIds RoPE positions, int64 {@code [B, T]}; null means {@code 0..T-1} for every row
 * @param attentionMask boolean {@code [B or 1, 1, T, T]}, true where query row may attend to key column; null
 *     means causal. Build it with the toolkit's {@code org.align4j.toolkit.model.Masks}; every query must see at least one key (itself).
 */
public record ModelInput(Tensor inputIds, Tensor positionIds, Tensor attentionMask) {
  public ModelInput {
    if (inputIds == null) {
      throw new IllegalArgumentException("inputIds is required");
    }
    if (inputIds.dim() != 2) {
      throw new IllegalArgumentException("inputIds must be [batch, time], got " + inputIds.dim() + " dims");
    }
  }

  /** Plain causal input, positions from 0. */
  public static ModelInput causal(Tensor inputIds) {
    return new ModelInput(inputIds, null, null);
  }

  /** This input's ids with a layout's mask and positions. */
  public static ModelInput of(Tensor inputIds, AttentionLayout layout) {
    return new ModelInput(inputIds, layout.positionIds(), layout.attentionMask());
  }
}
