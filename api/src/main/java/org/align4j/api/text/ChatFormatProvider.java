package org.align4j.api.text;

import org.align4j.api.Provider;

/** A chat format ({@code llama2}, {@code llama3}). */
public interface ChatFormatProvider<O extends Record> extends Provider<O> {
  ChatFormat create(O options);
}
