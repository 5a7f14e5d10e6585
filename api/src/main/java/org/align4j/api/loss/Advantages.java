package org.align4j.api.loss;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * What {@link PolicyLoss#advantages} makes of a {@link Rollout}: {@code [B, T]} tensors, 0 where the mask
 * is 0, detached.
 *
 * @param rewards per-token rewards after shaping (KL penalty, score at the last token)
 * @param advantages the advantages the loss uses (after whitening when the loss whitens)
 * @param returns the critic's regression targets; {@code null} for critic-free losses
 * @param diagnostics rollout statistics ({@code score}, {@code kl}, {@code reward}, {@code return}, ...)
 */
public record Advantages(Tensor rewards, Tensor advantages, Tensor returns, Map<String, Double> diagnostics) {
  public Advantages {
    diagnostics = diagnostics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(diagnostics));
  }
}
