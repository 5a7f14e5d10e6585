package org.align4j.api.model;

import org.align4j.api.Provider;
import org.bytedeco.pytorch.Tensor;

/**
 * How a model attends, chosen in a recipe as {@code attention: {uses: gqa, kv_heads: 8}}: how many key/value heads
 * the query heads share, and which keys a query may see.
 *
 * <p>Sharing: with {@code kv} key/value heads for {@code h} query heads, key/value head {@code j} serves query heads
 * {@code j*g .. j*g+g-1}, {@code g = h / kv} (Hugging Face's {@code repeat_kv} layout): multi-head attention is
 * {@code kv = h}, multi-query {@code kv = 1}, grouped-query a divisor of {@code h}. The count is the checkpoint's
 * {@code num_key_value_heads}.
 *
 * <p>Visibility: a query always sees only earlier keys (causal order) allowed by the input's own mask (padding,
 * packed documents, shared prefixes, see {@link ModelInput}). A variant may narrow that further with a
 * {@link Visibility} (a sliding window, say). Variants that do not (the default) run on libtorch's fused causal
 * kernels with nothing added per token. A model made with a variant that does carries it in
 * {@link ModelConfig#attention} (the pretrain stage puts it there), saved in its {@code config.json} as
 * {@code align4j_attention} (the id and the options it was given), so the model attends the same way wherever it is
 * loaded; loading it needs the variant's plugin.
 */
public interface AttentionVariant<O extends Record> extends Provider<O> {
  /** Number of key/value heads for a model with {@code queryHeads} heads under these options. */
  int keyValueHeads(int queryHeads, O options);

  /** Which keys a query may see beyond causal order and the input's mask; null (the default) for all of them. */
  default Visibility visibility(O options) {
    return null;
  }

  /**
   * The keys a query may see, as a function of where query and key sit in their row. Indices, not RoPE positions:
   * index {@code i} is column {@code i} of the row (its KV-cache slot when decoding), padding included. A packed
   * document or a left-padded prompt is a contiguous run of columns, so index distance is token distance inside it,
   * which is what Hugging Face's sliding window measures too.
   */
  @FunctionalInterface
  interface Visibility {
    /**
     * Called once per forward pass (not per layer) with tensors on the model's device; the result is combined with
     * causal order and the input's mask.
     *
     * @param queryIndex int64 {@code [T, 1]}: the row index of each query of this pass
     * @param keyIndex int64 {@code [1, L]}: the row index of each key ({@code 0..L-1})
     * @return boolean, broadcastable to {@code [T, L]}: true where the query may see the key. Every query must keep
     *     its own key (where {@code keyIndex == queryIndex}), or its attention is empty.
     */
    Tensor visible(Tensor queryIndex, Tensor keyIndex);
  }
}
