package org.align4j.toolkit.stage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.align4j.api.Align4jException;
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.StageContext;

/** Inputs that several stages declare alike, so their names, descriptions and schemas stay one. */
public final class Ports {
  private Ports() {}

  /**
   * What the optional {@code tokenizer} input is, for a stage that declares it on its class:
   * {@code @StagePort(input = "tokenizer", description = Ports.TOKENIZER_DESCRIPTION, required = false)}.
   */
  public static final String TOKENIZER_DESCRIPTION = "tokenizer (default: defaults.tokenizer, else the model's)";

  /** The optional {@code tokenizer} input of a stage that starts from a model. */
  public static final Port TOKENIZER = Port.optional("tokenizer", TOKENIZER_DESCRIPTION);

  /** The {@code prompts} a policy answers: conversations whose trailing assistant turn, if any, is dropped. */
  public static final Port PROMPTS = Port.required("prompts",
      "conversations (messages or prompt column); a trailing assistant turn is dropped")
      .withSchema(Schemas.MESSAGES_ONLY, Schemas.PROMPT_ONLY);

  /**
   * The inputs of a stage that samples a policy on prompts (rejection sampling, PPO): the {@code model} to sample
   * ({@code modelDoc}), {@link #PROMPTS}, then {@code own}, then {@link #TOKENIZER}; {@code own} are the inputs that
   * are the stage's alone, as a rule the {@code @StagePort} inputs on its class ({@code Stage.super.inputs()}).
   */
  public static List<Port> promptInputs(String modelDoc, List<Port> own) {
    var ports = new ArrayList<Port>(List.of(Port.required("model", modelDoc), PROMPTS));
    ports.addAll(own);
    ports.add(TOKENIZER);
    return List.copyOf(ports);
  }

  /**
   * Refuses an empty dataset before any training: one line naming the file, the stage and its input, and the fix.
   *
   * @param what what each row is, plural ("conversations", "preference pairs")
   */
  public static void requireRows(StageContext ctx, String input, Path file, long rows, String what) {
    if (rows == 0) {
      throw new Align4jException(file + ": input '" + input + "' of stage '" + ctx.stageId() + "' holds no " + what
          + " (an empty dataset); give it a dataset with at least one row (fix the file or the stage that wrote it,"
          + " or set inputs." + input + " to another dataset)");
    }
  }
}
