package org.align4j.plugins.tokenizers;

import org.align4j.api.NoOptions;
import org.align4j.api.ProviderInfo;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.ChatFormatProvider;

/** Chat format {@code llama3}: header tokens, {@code <|eot_id|>} / {@code <|eom_id|>}. */
@ProviderInfo(id = Llama3ChatFormat.ID,
    description = "Llama 3 chat: <|start_header_id|>role<|end_header_id|>, <|eot_id|> / <|eom_id|> (3.0 template, 3.1 tool turns)")
public final class Llama3ChatFormatProvider implements ChatFormatProvider<NoOptions> {
  @Override
  public ChatFormat create(NoOptions options) {
    return new Llama3ChatFormat();
  }
}
