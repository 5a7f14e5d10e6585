package org.align4j.plugins.attention;

import org.align4j.api.NoOptions;
import org.align4j.api.ProviderInfo;
import org.align4j.api.model.AttentionVariant;

/** Multi-head attention (Llama 2 7B/13B): one key/value head per query head. */
@ProviderInfo(id = "mha", description = "multi-head attention: key/value heads = query heads")
public final class MultiHeadAttention implements AttentionVariant<NoOptions> {
  @Override
  public int keyValueHeads(int queryHeads, NoOptions options) {
    if (queryHeads < 1) {
      throw new IllegalArgumentException("query heads must be >= 1, got " + queryHeads);
    }
    return queryHeads;
  }
}
