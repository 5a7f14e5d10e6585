package com.example.align4j;

import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.model.AttentionVariant;
import org.bytedeco.pytorch.Scalar;

/**
 * Sliding-window attention (Mistral's, as Hugging Face masks it): each query sees itself and the {@code window - 1}
 * keys before it, {@code query - key < window}, within what causal order and the input's mask allow. Keys/values
 * are shared as in grouped-query attention.
 */
public final class SlidingWindowAttention implements AttentionVariant<SlidingWindowAttention.Options> {
  public record Options(
      @Doc("keys each query sees, itself included") int window,
      @Doc("key/value heads; 0: one per query head") @Default("0") int kvHeads) {
    public Options {
      if (window < 1) {
        throw new IllegalArgumentException("window must be >= 1, got " + window);
      }
      if (kvHeads < 0) {
        throw new IllegalArgumentException("kv_heads must be >= 0, got " + kvHeads);
      }
    }
  }

  @Override
  public String id() {
    return "sliding-window";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public String description() {
    return "sliding-window attention: each query sees the last `window` keys (example third-party plugin)";
  }

  @Override
  public int keyValueHeads(int queryHeads, Options o) {
    int kv = o.kvHeads() == 0 ? queryHeads : o.kvHeads();
    if (queryHeads % kv != 0) {
      throw new IllegalArgumentException("kv_heads " + kv + " must divide the " + queryHeads + " query heads");
    }
    return kv;
  }

  @Override
  public Visibility visibility(Options o) {
    // the Scalar is made per call: one made here could be freed by whatever PointerScope is open now
    return (query, key) -> query.sub(key).lt(new Scalar(o.window()));
  }
}
