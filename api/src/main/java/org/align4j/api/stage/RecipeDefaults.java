package org.align4j.api.stage;

import java.nio.file.Path;
import java.util.Map;

/**
 * The recipe's {@code defaults} block, typed: the run-wide settings every stage and engine service reads
 * ({@link StageContext#defaults()}). The recipe loader checks the values and builds this record once per run;
 * the constants below are the only place each fallback is decided.
 *
 * @param device {@code cpu}, {@code cuda} or {@code cuda:<n>}
 * @param seed the recipe seed (a stage's own stream is {@link StageContext#seed()}; use this one where stages
 *     must agree, e.g. on which rows of a shared dataset are held out)
 * @param threads libtorch intra-op threads; 0: the machine's cores
 * @param dtype {@code float32}, {@code bfloat16} or {@code float16}
 * @param chatFormat the chat format id stages use when their own {@code chat_format} option is not set
 * @param tokenizer {@code defaults.tokenizer}, or null when the recipe names none
 * @param model {@code defaults.model}, or null when the recipe names none
 * @param zero ZeRO stage of a data-parallel run: 0 (default) every rank keeps all of AdamW's moments; 1 each rank
 *     keeps and updates the moments of its slice of the parameters only (gradients reduce-scattered, parameters
 *     all-gathered), the same steps with 1/N of the optimiser state per rank. No effect on one process.
 */
public record RecipeDefaults(String device, long seed, int threads, String dtype, String chatFormat, Path tokenizer,
    Path model, int zero) {
  public static final String DEVICE = "cpu";
  public static final long SEED = 17L;
  public static final String DTYPE = "float32";
  public static final String CHAT_FORMAT = "llama3";

  public RecipeDefaults {
    device = device == null ? DEVICE : device;
    dtype = dtype == null ? DTYPE : dtype;
    chatFormat = chatFormat == null ? CHAT_FORMAT : chatFormat;
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0 (0: all cores), got " + threads);
    }
    if (zero != 0 && zero != 1) {
      throw new IllegalArgumentException("zero must be 0 (off) or 1 (shard AdamW's moments over the ranks), got " + zero);
    }
  }

  /** Without ZeRO (every rank keeps the whole optimiser state). */
  public RecipeDefaults(String device, long seed, int threads, String dtype, String chatFormat, Path tokenizer,
      Path model) {
    this(device, seed, threads, dtype, chatFormat, tokenizer, model, 0);
  }

  /**
   * The record of a defaults block given as plain values (keys as in a recipe: {@code device}, {@code seed},
   * {@code threads}, {@code dtype}, {@code chat_format}, {@code tokenizer}, {@code model}, {@code zero}); absent keys take the
   * fallbacks above. Values are taken as they are: the recipe loader has checked them.
   */
  public static RecipeDefaults of(Map<String, ?> values) {
    return new RecipeDefaults(text(values.get("device")),
        values.get("seed") instanceof Number n ? n.longValue() : SEED,
        values.get("threads") instanceof Number n ? n.intValue() : 0,
        text(values.get("dtype")),
        text(values.get("chat_format")),
        path(values.get("tokenizer")),
        path(values.get("model")),
        values.get("zero") instanceof Number n ? n.intValue() : 0);
  }

  private static String text(Object v) {
    return v == null ? null : String.valueOf(v);
  }

  private static Path path(Object v) {
    return v == null ? null : Path.of(String.valueOf(v));
  }
}
