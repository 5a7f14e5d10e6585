package org.align4j.plugins.attention;

import org.align4j.api.NoOptions;
import org.align4j.api.model.AttentionVariant;

/** Multi-head attention (Llama 2 7B/13B): one key/value head per query head. */
public final class MultiHeadAttention implements AttentionVariant<NoOptions> {
  @Override
  public String id() {
    return "mha";
  }

  @Override
  public Class<NoOptions> optionsType() {
    return NoOptions.class;
  }

  @Override
  public String description() {
    return "multi-head attention: key/value heads = query heads";
  }

  @Override
  public int keyValueHeads(int queryHeads, NoOptions options) {
    if (queryHeads < 1) {
      throw new IllegalArgumentException("query heads must be >= 1, got " + queryHeads);
    }
    return queryHeads;
  }
}
