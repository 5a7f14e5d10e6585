package org.align4j.plugins.attention;

import org.align4j.api.Default;
import org.align4j.api.ProviderInfo;
import org.align4j.api.model.AttentionVariant;

/**
 * Grouped-query attention (Llama 2 34B/70B, all Llama 3): {@code kv_heads} key/value heads, head j serving query
 * heads {@code j*g .. j*g+g-1} with {@code g = heads / kv_heads} (Hugging Face's {@code repeat_kv} layout).
 */
@ProviderInfo(id = "gqa",
    description = "grouped-query attention: kv_heads key/value heads shared by groups of query heads")
public final class GroupedQueryAttention implements AttentionVariant<GroupedQueryAttention.Options> {
  /**
   * @param kvHeads key/value heads; must divide the query heads (Llama 3: 8)
   */
  public record Options(@Default("8") int kvHeads) {
    public Options {
      if (kvHeads < 1) {
        throw new IllegalArgumentException("kv_heads must be >= 1, got " + kvHeads);
      }
    }
  }

  @Override
  public int keyValueHeads(int queryHeads, Options options) {
    int kv = Math.min(options.kvHeads(), queryHeads);
    if (queryHeads % kv != 0) {
      throw new IllegalArgumentException("kv_heads " + options.kvHeads() + " must divide the " + queryHeads
          + " query heads; valid values: " + divisors(queryHeads));
    }
    return kv;
  }

  private static String divisors(int n) {
    StringBuilder sb = new StringBuilder();
    for (int d = 1; d <= n; d++) {
      if (n % d == 0) {
        sb.append(sb.length() == 0 ? "" : ", ").append(d);
      }
    }
    return sb.toString();
  }
}
