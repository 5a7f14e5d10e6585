package org.align4j.plugins.attention;

import org.align4j.api.NoOptions;
import org.align4j.api.ProviderInfo;
import org.align4j.api.model.AttentionVariant;

/** Multi-query attention: one key/value head shared by every query head (the smallest KV cache). */
@ProviderInfo(id = "mqa", description = "multi-query attention: one key/value head")
public final class MultiQueryAttention implements AttentionVariant<NoOptions> {
  @Override
  public int keyValueHeads(int queryHeads, NoOptions options) {
    if (queryHeads < 1) {
      throw new IllegalArgumentException("query heads must be >= 1, got " + queryHeads);
    }
    return 1;
  }
}
