package org.align4j.plugins.tokenizers;

import org.align4j.api.NoOptions;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.ChatFormatProvider;

/** Chat format {@code llama3}: header tokens, {@code <|eot_id|>} / {@code <|eom_id|>}. */
public final class Llama3ChatFormatProvider implements ChatFormatProvider<NoOptions> {
  @Override
  public String id() {
    return Llama3ChatFormat.ID;
  }

  @Override
  public Class<NoOptions> optionsType() {
    return NoOptions.class;
  }

  @Override
  public String description() {
    return "Llama 3 chat: <|start_header_id|>role<|end_header_id|>, <|eot_id|> / <|eom_id|> (3.0 template, 3.1 tool turns)";
  }

  @Override
  public ChatFormat create(NoOptions options) {
    return new Llama3ChatFormat();
  }
}
