package org.align4j.toolkit.stage;

import org.align4j.api.data.Schemas;
import org.align4j.api.stage.Port;

/** Inputs that several stages declare alike, so their names, descriptions and schemas stay one. */
public final class Ports {
  private Ports() {}

  /** The optional {@code tokenizer} input of a stage that starts from a model. */
  public static final Port TOKENIZER =
      Port.optional("tokenizer", "tokenizer (default: defaults.tokenizer, else the model's)");

  /** The {@code prompts} a policy answers: conversations whose trailing assistant turn, if any, is dropped. */
  public static final Port PROMPTS = Port.required("prompts",
      "conversations (messages or prompt column); a trailing assistant turn is dropped")
      .withSchema(Schemas.MESSAGES_ONLY, Schemas.PROMPT_ONLY);
}
