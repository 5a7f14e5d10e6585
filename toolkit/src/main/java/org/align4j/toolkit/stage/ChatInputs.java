package org.align4j.toolkit.stage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.ChatFormats;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;
import org.align4j.api.text.Tokenizers;

/**
 * What a stage that starts from a chat model opens first: the {@code model} input, the tokenizer that goes with it
 * (the stage's {@code tokenizer} input, else {@code defaults.tokenizer}, else the files beside the model; see
 * {@link StageContext#tokenizerPath}) and the chat format (the stage's {@code chat_format} option, else
 * {@code defaults.chat_format}).
 *
 * @param modelDir the checkpoint directory
 * @param tokenizerPath the tokenizer file or directory the tokenizer was loaded from
 * @param tokenizer the loaded tokenizer
 * @param format the chat format
 */
public record ChatInputs(Path modelDir, Path tokenizerPath, Tokenizer tokenizer, ChatFormat format) {

  /** The {@code model} input with its tokenizer and the chat format {@code chatFormat} names (null: the default). */
  public static ChatInputs open(StageContext ctx, String chatFormat) {
    return of(ctx, ctx.input("model"), chatFormat);
  }

  /** {@code modelDir} with its tokenizer and the chat format {@code chatFormat} names (null: the default). */
  public static ChatInputs of(StageContext ctx, Path modelDir, String chatFormat) {
    Path tokPath = ctx.tokenizerPath(modelDir);
    Tokenizer tok = ctx.service(Tokenizers.class).load(tokPath);
    return new ChatInputs(modelDir, tokPath, tok, chatFormat(ctx, chatFormat));
  }

  /** The tokenizer for {@code modelDir} (null: no model, the input or the default only). */
  public static Tokenizer tokenizer(StageContext ctx, Path modelDir) {
    return ctx.service(Tokenizers.class).load(ctx.tokenizerPath(modelDir));
  }

  /** The chat format id: {@code option} when given, else {@code defaults.chat_format}. */
  public static String chatFormatId(StageContext ctx, String option) {
    return option != null ? option : ctx.defaults().chatFormat();
  }

  /** The chat format {@link #chatFormatId} names. */
  public static ChatFormat chatFormat(StageContext ctx, String option) {
    return ctx.service(ChatFormats.class).get(chatFormatId(ctx, option));
  }

  /** {@code messages} rendered by the chat format with the tokenizer, the loss mask by {@code policy}. */
  public RenderedChat render(List<Message> messages, MaskPolicy policy) {
    return format.render(messages, tokenizer, policy);
  }

  /** The chat format's stop tokens in {@code tok}, as the set {@link org.align4j.api.engine.Generator.Sampling} takes. */
  public static Set<Integer> stopTokens(ChatFormat format, Tokenizer tok) {
    Set<Integer> stops = new HashSet<>();
    for (int s : format.stopTokens(tok)) {
      stops.add(s);
    }
    return stops;
  }

  /** Copies the tokenizer files next to a saved model, so the directory is self-contained. */
  public static void copyTokenizer(Path tokenizer, Path modelDir) throws IOException {
    Tokenizers.copyFiles(tokenizer, modelDir);
  }

  /**
   * Refuses, before any work, a tokenizer whose ids do not all have a row in the model's embedding (another model's
   * tokenizer): without it the first batch fails deep in libtorch with "index out of range in self".
   */
  public void checkVocab(org.align4j.api.model.ModelConfig model) {
    if (tokenizer.vocabSize() > model.vocabSize()) {
      throw new org.align4j.api.Align4jException(tokenizerPath + ": the tokenizer has " + tokenizer.vocabSize()
          + " ids but the model " + modelDir + " has vocab_size " + model.vocabSize() + "; give the model's own tokenizer"
          + " (the stage's tokenizer input or defaults.tokenizer), or the model it belongs to");
    }
  }
}
