package org.align4j.core.engine.generate;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.align4j.api.Align4jException;
import org.align4j.api.engine.Generator;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.Masks;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.Tensors;
import org.align4j.core.engine.model.KvCache;
import org.align4j.core.engine.model.LlamaModel;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Batched sampling: prompts are left-padded to a common length (padding attends to nothing and is attended by
 * nothing), the prompt is run once into a {@link KvCache}, then one token per step. Each row samples with its own
 * random stream seeded from (seed, prompt index), so results do not depend on the batch composition. Reported
 * log-probabilities are {@code log_softmax} of the untempered logits in float32.
 */
public final class LocalGenerator implements Generator {
  @Inject
  public LocalGenerator() {}

  @Override
  public List<Generation> generate(LanguageModel model, List<int[]> prompts, Sampling sampling) {
    if (!(model instanceof LlamaModel lm)) {
      throw new Align4jException("the generator needs a model from the engine's Models service");
    }
    List<Generation> out = new ArrayList<>(prompts.size());
    for (int start = 0; start < prompts.size(); start += sampling.batchSize()) {
      List<int[]> batch = prompts.subList(start, Math.min(prompts.size(), start + sampling.batchSize()));
      out.addAll(generateBatch(lm, batch, start, sampling));
    }
    return out;
  }

  private static long rowSeed(long seed, int index) {
    long z = seed + 0x9E3779B97F4A7C15L * (index + 1L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private List<Generation> generateBatch(LlamaModel model, List<int[]> prompts, int firstIndex, Sampling s) {
    int b = prompts.size();
    int p = 0;
    for (int[] pr : prompts) {
      if (pr.length == 0) {
        throw new Align4jException("empty prompt: give at least one token (e.g. the BOS id)");
      }
      p = Math.max(p, pr.length);
    }
    // sizes bounded before anything is allocated: positions beyond the context have no RoPE rows, and the
    // sequence, KV cache and mask are sized by prompt + max_new_tokens
    int context = model.config().maxPositionEmbeddings();
    if (p >= context) {
      throw new Align4jException("a prompt of " + p + " tokens does not fit the model's context of " + context
          + " tokens (max_position_embeddings); shorten it");
    }
    if (s.maxNewTokens() < 0 || (long) p + s.maxNewTokens() > context) {
      throw new IllegalArgumentException("max_new_tokens " + s.maxNewTokens() + " with a prompt of " + p
          + " tokens exceeds the model's context of " + context + " tokens (max_position_embeddings); at most "
          + (context - p) + " new tokens fit");
    }
    int vocab = model.config().vocabSize();
    for (int[] pr : prompts) {
      for (int id : pr) {
        if (id < 0 || id >= vocab) {
          throw new Align4jException("prompt token id " + id + " is outside the model's vocabulary 0.." + (vocab - 1));
        }
      }
    }
    int[] pad = new int[b];
    int[] lengths = new int[b];
    long[][] seq = new long[b][p + s.maxNewTokens()];
    for (int r = 0; r < b; r++) {
      lengths[r] = prompts.get(r).length;
      pad[r] = p - lengths[r];
      for (int i = 0; i < lengths[r]; i++) {
        seq[r][pad[r] + i] = prompts.get(r)[i];
      }
    }
    SplittableRandom[] rng = new SplittableRandom[b];
    for (int r = 0; r < b; r++) {
      rng[r] = new SplittableRandom(rowSeed(s.seed(), firstIndex + r));
    }
    int[][] tokens = new int[b][s.maxNewTokens()];
    float[][] logprobs = new float[b][s.maxNewTokens()];
    int[] produced = new int[b];
    boolean[] done = new boolean[b];
    boolean[] stopped = new boolean[b];
    KvCache cache = s.useCache() && s.maxNewTokens() > 0
        ? new KvCache(model.config(), b, p + s.maxNewTokens(), model.device()) : null;
    boolean truncated = s.temperature() > 0 && ((s.topK() > 0 && s.topK() < vocab) || s.topP() < 1);
    try (NoGradGuard ng = new NoGradGuard()) {
      int len = p;
      for (int step = 0; step < s.maxNewTokens(); step++) {
        float[] logits;
        float[] lps;
        long[] order = null;
        try (PointerScope scope = new PointerScope()) {
          Tensor last;
          if (cache == null) {
            last = fullForward(model, seq, b, len, pad);
          } else if (step == 0) {
            last = prefill(model, seq, b, p, pad, lengths, cache);
          } else {
            last = decodeStep(model, seq, b, len, pad, cache);
          }
          lps = Tensors.toFloats(torch.log_softmax(last, -1));
          if (truncated) {
            // top-k / top-p: sort in libtorch (stable, descending: ties keep the lower id first)
            var sorted = torch.sort(last, new org.bytedeco.pytorch.BoolOptional(true), -1, true);
            logits = Tensors.toFloats(sorted.get0());
            order = Tensors.toLongs(sorted.get1());
          } else {
            logits = Tensors.toFloats(last);
          }
        }
        for (int r = 0; r < b; r++) {
          if (!done[r]) {
            for (int k = r * vocab, end = k + vocab; k < end; k++) {
              if (!Float.isFinite(logits[k]) && logits[k] != Float.NEGATIVE_INFINITY || Float.isNaN(lps[k])) {
                // sampling from NaN picks token 0 forever (NUL bytes) with NaN log-probs: say so instead
                throw new Align4jException("the model produced non-finite logits (" + logits[k] + ") at generation step "
                    + step + " of prompt " + (firstIndex + r) + "; its weights or the prompt are broken");
              }
            }
          }
        }
        boolean all = true;
        for (int r = 0; r < b; r++) {
          int tok;
          if (done[r]) {
            tok = 0;
          } else {
            tok = truncated ? chooseSorted(logits, order, r * vocab, vocab, s, rng[r])
                : choose(logits, r * vocab, vocab, s, rng[r]);
            tokens[r][produced[r]] = tok;
            logprobs[r][produced[r]] = lps[r * vocab + tok];
            produced[r]++;
            if (s.stopTokens().contains(tok)) {
              done[r] = true;
              stopped[r] = true;
            } else if (produced[r] == s.maxNewTokens()) {
              done[r] = true;
            }
          }
          seq[r][len] = tok;
          all &= done[r];
        }
        len++;
        if (all) {
          break;
        }
      }
    } finally {
      if (cache != null) {
        cache.close();
      }
    }
    List<Generation> out = new ArrayList<>(b);
    for (int r = 0; r < b; r++) {
      out.add(new Generation(prompts.get(r).clone(), Arrays.copyOf(tokens[r], produced[r]),
          Arrays.copyOf(logprobs[r], produced[r]), stopped[r]));
    }
    return out;
  }

  /** Token ids of the first {@code len} columns, [B, len]. */
  private static Tensor ids(long[][] seq, int b, int from, int len) {
    long[] flat = new long[b * len];
    for (int r = 0; r < b; r++) {
      System.arraycopy(seq[r], from, flat, r * len, len);
    }
    return Tensors.longs(flat, b, len);
  }

  /** Left-padded layout of the first len columns: pad columns [0, pad[r]) of each row. */
  private static Masks.Layout leftPadded(int b, int len, int[] pad) {
    int[] real = new int[b];
    for (int r = 0; r < b; r++) {
      real[r] = len - pad[r];
    }
    return Masks.padded(real, len, true);
  }

  private static Tensor lastLogits(LlamaModel model, Tensor hidden) {
    long t = hidden.size(1);
    return model.lmHead(hidden.narrow(1, t - 1, 1).squeeze(1));
  }

  private static Tensor fullForward(LlamaModel model, long[][] seq, int b, int len, int[] pad) {
    Masks.Layout layout = leftPadded(b, len, pad);
    return lastLogits(model, model.hidden(ModelInput.of(ids(seq, b, 0, len), layout)));
  }

  private static Tensor prefill(LlamaModel model, long[][] seq, int b, int p, int[] pad, int[] lengths, KvCache cache) {
    Masks.Layout layout = leftPadded(b, p, pad);
    return lastLogits(model, model.forward(ModelInput.of(ids(seq, b, 0, p), layout), cache));
  }

  private static Tensor decodeStep(LlamaModel model, long[][] seq, int b, int len, int[] pad, KvCache cache) {
    // the newest token is column len-1; the cache holds columns [0, len-1)
    int keys = len;
    byte[] mask = new byte[b * keys];
    long[] pos = new long[b];
    for (int r = 0; r < b; r++) {
      for (int k = pad[r]; k < keys; k++) {
        mask[r * keys + k] = 1;
      }
      pos[r] = (len - 1) - pad[r];
    }
    Tensor m = torch.empty(new long[] {b, 1, 1, keys}, new TensorOptions(ScalarType.Bool), null);
    new BytePointer(m.data_ptr()).capacity(mask.length).put(mask);
    Tensor input = ids(seq, b, len - 1, 1);
    return lastLogits(model, model.forward(new ModelInput(input, Tensors.longs(pos, b, 1), m), cache));
  }

  /** Greedy argmax, or temperature sampling from the full distribution, of one row of logits. */
  static int choose(float[] logits, int off, int vocab, Sampling s, SplittableRandom rng) {
    if (s.temperature() == 0) {
      int best = 0;
      float bv = logits[off];
      for (int i = 1; i < vocab; i++) {
        if (logits[off + i] > bv) {
          bv = logits[off + i];
          best = i;
        }
      }
      return best;
    }
    double t = s.temperature();
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[off + i] / t);
    }
    double[] prob = new double[vocab];
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      prob[i] = Math.exp(logits[off + i] / t - max);
      sum += prob[i];
    }
    double u = rng.nextDouble() * sum;
    double acc = 0;
    for (int i = 0; i < vocab; i++) {
      acc += prob[i];
      if (u < acc) {
        return i;
      }
    }
    return vocab - 1;
  }

  /**
   * Top-k / top-p sampling of one row given its logits sorted descending ({@code sorted}) and their token ids
   * ({@code order}): keep the k most likely, then the smallest prefix whose probability mass reaches top_p (the token
   * that crosses it included), renormalise, sample.
   */
  static int chooseSorted(float[] sorted, long[] order, int off, int vocab, Sampling s, SplittableRandom rng) {
    double t = s.temperature();
    double max = sorted[off] / t;
    double[] prob = new double[vocab];
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      prob[i] = Math.exp(sorted[off + i] / t - max);
      sum += prob[i];
    }
    int keep = s.topK() > 0 ? Math.min(vocab, s.topK()) : vocab;
    if (s.topP() < 1) {
      double cum = 0;
      int n = 0;
      while (n < keep) {
        cum += prob[n] / sum;
        n++;
        if (cum >= s.topP()) {
          break;
        }
      }
      keep = n;
    }
    double kept = 0;
    for (int n = 0; n < keep; n++) {
      kept += prob[n];
    }
    double u = rng.nextDouble() * kept;
    double acc = 0;
    for (int n = 0; n < keep; n++) {
      acc += prob[n];
      if (u < acc) {
        return (int) order[off + n];
      }
    }
    return (int) order[off + keep - 1];
  }

  @Override
  public List<float[]> logprobs(LanguageModel model, List<int[]> sequences, int batchSize) {
    List<float[]> out = new ArrayList<>(sequences.size());
    for (int start = 0; start < sequences.size(); start += batchSize) {
      List<int[]> batch = sequences.subList(start, Math.min(sequences.size(), start + batchSize));
      int b = batch.size();
      int t = 0;
      for (int[] sq : batch) {
        if (sq.length < 2) {
          throw new Align4jException("a sequence needs at least 2 tokens to have log-probabilities, got " + sq.length);
        }
        t = Math.max(t, sq.length);
      }
      long[] flat = new long[b * t];
      int[] lengths = new int[b];
      for (int r = 0; r < b; r++) {
        int[] sq = batch.get(r);
        lengths[r] = sq.length;
        for (int i = 0; i < sq.length; i++) {
          flat[r * t + i] = sq[i];
        }
      }
      try (PointerScope scope = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
        Masks.Layout layout = Masks.padded(lengths, t, false);
        float[] lp = Tensors.toFloats(model.tokenLogprobs(ModelInput.of(Tensors.longs(flat, b, t), layout)));
        for (int r = 0; r < b; r++) {
          out.add(Arrays.copyOfRange(lp, r * (t - 1), r * (t - 1) + lengths[r] - 1));
        }
      }
    }
    return out;
  }
}
