package org.align4j.plugins.tokenizers;

import org.align4j.api.NoOptions;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.ChatFormatProvider;

/** Chat format {@code llama2}: Meta's chat_completion recipe. */
public final class Llama2ChatFormatProvider implements ChatFormatProvider<NoOptions> {
  @Override
  public String id() {
    return Llama2ChatFormat.ID;
  }

  @Override
  public Class<NoOptions> optionsType() {
    return NoOptions.class;
  }

  @Override
  public String description() {
    return "Llama 2 chat: [INST] / <<SYS>>, bos/eos per turn (Meta's chat_completion)";
  }

  @Override
  public ChatFormat create(NoOptions options) {
    return new Llama2ChatFormat();
  }
}
