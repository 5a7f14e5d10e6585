package org.align4j.api.engine;

import java.nio.file.Path;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;

/**
 * Engine service: loads, creates, copies and saves Llama models in the Hugging Face layout
 * ({@code config.json} + {@code model.safetensors}, or shards + {@code model.safetensors.index.json}). Models
 * are placed on the run's {@link Device} and computed in float32 (stored weights may be bf16/fp16). A config that
 * records an attention variant ({@link ModelConfig#attention}, {@code align4j_attention} in the file) needs that
 * variant's plugin in the run to load, create or copy the model.
 */
public interface Models {
  /** Reads {@code dir/config.json}; an {@link org.align4j.api.Align4jException} naming the file and key when invalid. */
  ModelConfig readConfig(Path dir);

  /** Loads a checkpoint directory, trainable. */
  default LanguageModel load(Path dir) {
    return load(dir, LoadOptions.DEFAULT);
  }

  LanguageModel load(Path dir, LoadOptions options);

  /** A freshly initialised model (normal(0, 0.02) weights, norms 1), deterministic for a seed. */
  LanguageModel create(ModelConfig config, long seed);

  /** A deep copy with its own parameters (e.g. a frozen reference model: {@code copy(m, false)}). */
  LanguageModel copy(LanguageModel model, boolean trainable);

  /** Writes {@code config.json} and the weights into {@code dir} (created if needed), each file atomically. */
  default void save(LanguageModel model, Path dir) {
    save(model, dir, SaveOptions.DEFAULT);
  }

  void save(LanguageModel model, Path dir, SaveOptions options);

  /**
   * @param trainable parameters require grad
   * @param scoreHeads 0: as in the checkpoint; n &gt; 0: make sure the model has an n-output scalar head
   *     ({@code score.weight}), initialised from {@code seed} when the checkpoint has none (a reward model
   *     initialised from a chat model)
   * @param seed for a new scalar head
   */
  record LoadOptions(boolean trainable, int scoreHeads, long seed) {
    public static final LoadOptions DEFAULT = new LoadOptions(true, 0, 0L);

    public LoadOptions {
      if (scoreHeads < 0) {
        throw new IllegalArgumentException("scoreHeads must be >= 0, got " + scoreHeads);
      }
    }

    public static LoadOptions frozen() {
      return new LoadOptions(false, 0, 0L);
    }

    public static LoadOptions withScoreHead(long seed) {
      return new LoadOptions(true, 1, seed);
    }
  }

  /**
   * @param dtype stored dtype: float32, bfloat16, float16, or null for the config's {@code torch_dtype}
   * @param maxShardBytes 0: one {@code model.safetensors}; otherwise shards of at most this many bytes plus an
   *     index file, as {@code save_pretrained(max_shard_size=...)} writes
   */
  record SaveOptions(String dtype, long maxShardBytes) {
    public static final SaveOptions DEFAULT = new SaveOptions(null, 0);

    public SaveOptions {
      if (dtype != null && !(dtype.equals("float32") || dtype.equals("bfloat16") || dtype.equals("float16"))) {
        throw new IllegalArgumentException("dtype must be float32, bfloat16 or float16, got " + dtype);
      }
      if (maxShardBytes < 0) {
        throw new IllegalArgumentException("maxShardBytes must be >= 0, got " + maxShardBytes);
      }
    }
  }
}
