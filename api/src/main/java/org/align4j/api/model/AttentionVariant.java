package org.align4j.api.model;

import org.align4j.api.Provider;

/**
 * How keys/values are shared between query heads: multi-head (one KV head per query head), multi-query
 * (one KV head) or grouped-query (KV head {@code j} serves query heads {@code j*g .. j*g+g-1}).
 */
public interface AttentionVariant<O extends Record> extends Provider<O> {
  /** Number of key/value heads for a model with {@code queryHeads} heads under these options. */
  int keyValueHeads(int queryHeads, O options);
}
