package org.align4j.plugins.tokenizers;

import org.align4j.api.NoOptions;
import org.align4j.api.ProviderInfo;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.ChatFormatProvider;

/** Chat format {@code llama2}: Meta's chat_completion recipe. */
@ProviderInfo(id = Llama2ChatFormat.ID,
    description = "Llama 2 chat: [INST] / <<SYS>>, bos/eos per turn (Meta's chat_completion)")
public final class Llama2ChatFormatProvider implements ChatFormatProvider<NoOptions> {
  @Override
  public ChatFormat create(NoOptions options) {
    return new Llama2ChatFormat();
  }
}
