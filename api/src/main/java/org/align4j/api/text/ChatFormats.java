package org.align4j.api.text;

/** Engine service: a chat format by id ({@code llama2}, {@code llama3}) with default options. */
public interface ChatFormats {
  ChatFormat get(String id);
}
