package org.align4j.api.model;

import org.bytedeco.pytorch.Tensor;

/**
 * An attention mask with the matching position ids, as {@link ModelInput#of} takes them. The toolkit's
 * {@code org.align4j.toolkit.model.Masks} builds them for the layouts the stages use (causal, padded, packed,
 * shared prefix).
 *
 * @param attentionMask boolean {@code [B or 1, 1, T, T]}, true where query row may attend to key column
 * @param positionIds RoPE positions, int64 {@code [B, T]}
 */
public record AttentionLayout(Tensor attentionMask, Tensor positionIds) {}
