package org.align4j.api.model;

/**
 * RoPE frequency scaling as in a Hugging Face {@code rope_scaling} block. Supported types:
 * {@code llama3} (Llama 3.1 long-context scaling: {@code factor}, {@code low_freq_factor},
 * {@code high_freq_factor}, {@code original_max_position_embeddings}) and {@code linear} ({@code factor}).
 */
public record RopeScaling(
    String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {
  public RopeScaling {
    if (type == null || !(type.equals("llama3") || type.equals("linear"))) {
      throw new IllegalArgumentException(
          "rope_scaling type '" + type + "' is not supported; valid: llama3, linear (or null for none)");
    }
    if (!(factor > 0)) {
      throw new IllegalArgumentException("rope_scaling factor must be > 0, got " + factor);
    }
    if (type.equals("llama3")) {
      if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
        throw new IllegalArgumentException(
            "rope_scaling needs 0 < low_freq_factor < high_freq_factor, got " + lowFreqFactor + ", " + highFreqFactor);
      }
      if (originalMaxPositionEmbeddings <= 0) {
        throw new IllegalArgumentException(
            "rope_scaling original_max_position_embeddings must be > 0, got " + originalMaxPositionEmbeddings);
      }
    }
  }

  /** Llama 3.1's published values (factor 8, low 1, high 4, original context 8192). */
  public static RopeScaling llama31() {
    return new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192);
  }
}
