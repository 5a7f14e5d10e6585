package org.align4j.api.engine;

import java.util.List;
import java.util.Set;
import org.align4j.api.model.LanguageModel;

/**
 * Engine service: batched sampling with a KV cache, and log-probabilities of given sequences.
 * Log-probabilities are those of the model's untempered distribution ({@code log_softmax(logits)}), the same
 * numbers {@link LanguageModel#tokenLogprobs} gives in a training forward pass.
 */
public interface Generator {
  /** Continues each prompt; results in prompt order. Randomness depends on (seed, prompt index) only. */
  List<Generation> generate(LanguageModel model, List<int[]> prompts, Sampling sampling);

  /**
   * Rows {@code firstIndex..} of a larger call: prompt {@code i} of this list draws the random numbers prompt
   * {@code firstIndex + i} of the whole list would, so ranks that each generate a slice (aligned to
   * {@code sampling.batchSize()}, keeping the batches) get the rows one process gets. An implementation that cannot
   * do this generates from index 0 only.
   */
  default List<Generation> generate(LanguageModel model, List<int[]> prompts, Sampling sampling, int firstIndex) {
    if (firstIndex != 0) {
      throw new UnsupportedOperationException(getClass().getName() + " cannot generate rows of a larger call"
          + " (firstIndex " + firstIndex + "); it generates whole lists only");
    }
    return generate(model, prompts, sampling);
  }

  /**
   * Per-token log-probabilities of whole sequences (no gradient): result {@code i} has length
   * {@code sequences[i].length - 1}, entry t = log p(seq[t+1] | seq[..t]).
   */
  List<float[]> logprobs(LanguageModel model, List<int[]> sequences, int batchSize);

  /**
   * @param maxNewTokens tokens to generate at most
   * @param temperature 0 for greedy; otherwise logits are divided by it before top-k/top-p
   * @param topK keep the k most likely tokens (0: off)
   * @param topP nucleus: keep the smallest set of tokens with probability mass &gt;= topP (1: off)
   * @param stopTokens generation of a row ends after one of these (it is included in the output)
   * @param seed sampling seed
   * @param useCache KV cache on (off: full forward pass per token; for testing and benchmarks)
   * @param batchSize prompts per forward batch
   * @param precision arithmetic of the decode steps: {@code fp32} (default), {@code bf16} (the projections'
   *     weights and inputs in bfloat16 on libtorch's oneDNN kernels; RMSNorm, RoPE, attention, softmax, sampling
   *     and the residual stream stay float32; prefill stays float32), {@code auto} (bf16 for batches of several
   *     rows where the CPU has native bfloat16 instructions, avx512_bf16 or AMX; else fp32). The LM head and so
   *     the logits stay float32 in every mode
   */
  record Sampling(int maxNewTokens, double temperature, int topK, double topP, Set<Integer> stopTokens, long seed,
      boolean useCache, int batchSize, String precision) {
    /** The precisions {@code precision} may name. */
    public static final List<String> PRECISIONS = List.of("fp32", "bf16", "auto");

    public Sampling {
      if (maxNewTokens < 0) {
        throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
      }
      if (!(temperature >= 0) || Double.isInfinite(temperature)) {
        throw new IllegalArgumentException("temperature must be >= 0 (0 = greedy), got " + temperature);
      }
      if (topK < 0 || !(topP > 0 && topP <= 1)) {
        throw new IllegalArgumentException("topK must be >= 0 and topP in (0, 1], got " + topK + ", " + topP);
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
      }
      stopTokens = stopTokens == null ? Set.of() : Set.copyOf(stopTokens);
      precision = precision == null ? "fp32" : precision;
      if (!PRECISIONS.contains(precision)) {
        throw new IllegalArgumentException("precision must be one of " + PRECISIONS + ", got '" + precision + "'");
      }
    }

    /** Float32 decoding (the settings before {@code precision} existed). */
    public Sampling(int maxNewTokens, double temperature, int topK, double topP, Set<Integer> stopTokens, long seed,
        boolean useCache, int batchSize) {
      this(maxNewTokens, temperature, topK, topP, stopTokens, seed, useCache, batchSize, "fp32");
    }

    public static Sampling greedy(int maxNewTokens) {
      return new Sampling(maxNewTokens, 0, 0, 1, Set.of(), 0L, true, 8);
    }

    public static Sampling sample(int maxNewTokens, double temperature, double topP, long seed) {
      return new Sampling(maxNewTokens, temperature, 0, topP, Set.of(), seed, true, 8);
    }

    public Sampling withStopTokens(Set<Integer> stops) {
      return new Sampling(maxNewTokens, temperature, topK, topP, stops, seed, useCache, batchSize, precision);
    }

    public Sampling withTopK(int k) {
      return new Sampling(maxNewTokens, temperature, k, topP, stopTokens, seed, useCache, batchSize, precision);
    }

    public Sampling withCache(boolean on) {
      return new Sampling(maxNewTokens, temperature, topK, topP, stopTokens, seed, on, batchSize, precision);
    }

    public Sampling withBatchSize(int n) {
      return new Sampling(maxNewTokens, temperature, topK, topP, stopTokens, seed, useCache, n, precision);
    }

    public Sampling withPrecision(String p) {
      return new Sampling(maxNewTokens, temperature, topK, topP, stopTokens, seed, useCache, batchSize, p);
    }
  }

  /**
   * @param prompt the prompt ids
   * @param tokens the generated ids (a stop token, when hit, is the last one)
   * @param logprobs log p of each generated token under the model (untempered)
   * @param stopped true when a stop token ended the row, false when maxNewTokens did (serialisable: ranks that
   *     generate a share of a batch gather them)
   */
  record Generation(int[] prompt, int[] tokens, float[] logprobs, boolean stopped) implements java.io.Serializable {
    /** prompt followed by the generated tokens. */
    public int[] sequence() {
      int[] all = new int[prompt.length + tokens.length];
      System.arraycopy(prompt, 0, all, 0, prompt.length);
      System.arraycopy(tokens, 0, all, prompt.length, tokens.length);
      return all;
    }
  }
}
