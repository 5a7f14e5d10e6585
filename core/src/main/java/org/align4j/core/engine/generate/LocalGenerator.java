package org.align4j.core.engine.generate;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.align4j.api.Align4jException;
import org.align4j.api.engine.Generator;
import org.align4j.api.model.AttentionLayout;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.Tensors;
import org.align4j.core.engine.model.KvCache;
import org.align4j.core.engine.model.LlamaDecoder;
import org.align4j.core.engine.model.LlamaModel;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Batched sampling: prompts are left-padded to a common length (padding attends to nothing and is attended by
 * nothing), the prompt is run once into a {@link KvCache}, then one token per step. Consecutive equal prompts of a
 * batch (K samples of one prompt) share one prefill: the distinct prompts are run once and their cache rows expanded.
 * Each row samples with its own random stream seeded from (seed, prompt index), one uniform draw per token, and the
 * token is chosen natively from that draw (inverse CDF over the exact top-k/top-p set), so results do not depend on
 * the batch composition; only the chosen tokens and their log-probabilities come back to Java. The decode state
 * (key mask, positions, last tokens) lives in tensors updated in place. Reported log-probabilities are
 * {@code log_softmax} of the untempered logits in float32.
 */
public final class LocalGenerator implements Generator {
  @Inject
  public LocalGenerator() {}

  @Override
  public List<Generation> generate(LanguageModel model, List<int[]> prompts, Sampling sampling) {
    return generate(model, prompts, sampling, 0);
  }

  @Override
  public List<Generation> generate(LanguageModel model, List<int[]> prompts, Sampling sampling, int firstIndex) {
    if (!(model instanceof LlamaModel lm)) {
      throw new Align4jException("the generator needs a model from the engine's Models service");
    }
    List<Generation> out = new ArrayList<>(prompts.size());
    for (int start = 0; start < prompts.size(); start += sampling.batchSize()) {
      List<int[]> batch = prompts.subList(start, Math.min(prompts.size(), start + sampling.batchSize()));
      out.addAll(generateBatch(lm, batch, firstIndex + start, sampling));
    }
    return out;
  }

  /**
   * Whether {@code precision} (fp32 | bf16 | auto) decodes a batch of {@code rows} in bfloat16 on this machine.
   * auto: bf16 for several rows on a CPU with native bfloat16 (rollouts at batch 8-64 measured 15-30% faster), fp32
   * for one row (its float32 matrix-vector products beat oneDNN's one-row bf16 GEMM plus the casts here).
   */
  static boolean bf16(String precision, int rows) {
    return switch (precision) {
      case "bf16" -> true;
      case "auto" -> NATIVE_BF16 && rows > 1;
      default -> false;
    };
  }

  /**
   * The CPU has native bfloat16 arithmetic (avx512_bf16 or AMX, which oneDNN's bf16 GEMM uses): what {@code auto}
   * asks for. Read from /proc/cpuinfo (Linux); elsewhere false.
   */
  static final boolean NATIVE_BF16 = nativeBf16();

  private static boolean nativeBf16() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          List<String> flags = Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
          return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return false; // not Linux: unknown, so float32
    }
    return false;
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
    // rows that repeat the previous row's prompt (K samples of one prompt) share its prefill
    long[] source = new long[b];
    List<Integer> firsts = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      if (r > 0 && Arrays.equals(prompts.get(r), prompts.get(r - 1))) {
        source[r] = source[r - 1];
      } else {
        source[r] = firsts.size();
        firsts.add(r);
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
    boolean cached = s.useCache() && s.maxNewTokens() > 0;
    int cap = p + s.maxNewTokens();
    KvCache cache = null;
    LlamaDecoder decoder = null;
    NativeSampler sampler = null;
    Tensor mask = null;
    Tensor pos = null;
    Tensor next = null;
    double[] u = new double[b];
    Scalar one;
    try (PointerScope scope = new PointerScope()) {
      one = new Scalar(1).retainReference(); // the decode state's increment, released below
    }
    try (NoGradGuard ng = new NoGradGuard()) {
      sampler = new NativeSampler(b, vocab, model.device(), s);
      if (cached) {
        cache = new KvCache(model.config(), b, cap, model.device());
        // decode state kept across steps and updated in place: key mask [B, 1, 1, cap], positions [B, 1], tokens [B, 1]
        byte[] m = new byte[Masks.arrayLength(b, cap, "prompt rows x context positions (the decode key mask)")];
        long[] start = new long[b];
        for (int r = 0; r < b; r++) {
          Arrays.fill(m, r * cap + pad[r], r * cap + p, (byte) 1);
          start[r] = lengths[r] - 1;
        }
        // one position per step through preallocated buffers; forward() where the attention variant needs it
        decoder = model.decoder(cache, bf16(s.precision(), b));
        try (PointerScope scope = new PointerScope()) {
          Tensor mt = torch.empty(new long[] {b, 1, 1, cap}, new TensorOptions(ScalarType.Bool), null);
          new BytePointer(mt.data_ptr()).capacity(m.length).put(m);
          mask = Tensors.keep(mt.to(model.device(), ScalarType.Bool));
          Tensor startPos = Tensors.longs(start, b, 1).to(model.device(), ScalarType.Long);
          if (decoder != null) {
            decoder.positions().copy_(startPos);
          } else {
            pos = Tensors.keep(startPos);
            next = Tensors.keep(torch.zeros(new long[] {b, 1}, new TensorOptions(ScalarType.Long)).to(model.device(), ScalarType.Long));
          }
        }
      }
      int len = p;
      for (int step = 0; step < s.maxNewTokens(); step++) {
        for (int r = 0; r < b; r++) {
          u[r] = done[r] ? 0 : rng[r].nextDouble();
        }
        long[] chosen;
        float[] lps;
        try (PointerScope scope = new PointerScope()) {
          Tensor last;
          if (!cached) {
            last = fullForward(model, seq, b, len, pad);
          } else if (step == 0) {
            last = prefill(model, seq, b, p, pad, source, firsts, cache);
          } else {
            mask.narrow(3, len - 1, 1).fill_(one);
            if (decoder != null) {
              decoder.positions().add_(one);
              last = decoder.step(mask.narrow(3, 0, len));
            } else {
              pos.add_(one);
              last = lastLogits(model, model.forward(new ModelInput(next, pos, mask.narrow(3, 0, len)), cache));
            }
          }
          Tensor[] tl = sampler.sample(last, u);
          if (cached) {
            (decoder != null ? decoder.tokens() : next).copy_(tl[0]);
          }
          chosen = Tensors.toLongs(tl[0]);
          lps = Tensors.toFloats(tl[1]);
        }
        for (int r = 0; r < b; r++) {
          if (!done[r] && !Float.isFinite(lps[r])) {
            // NaN/inf logits make every log-prob NaN: sampling would pick token 0 forever (NUL bytes); say so instead
            throw new Align4jException("the model produced non-finite logits (log-prob " + lps[r] + ") at generation"
                + " step " + step + " of prompt " + (firstIndex + r) + "; its weights or the prompt are broken");
          }
        }
        boolean all = true;
        for (int r = 0; r < b; r++) {
          int tok;
          if (done[r]) {
            tok = 0;
          } else {
            tok = (int) chosen[r];
            tokens[r][produced[r]] = tok;
            logprobs[r][produced[r]] = lps[r];
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
      one.releaseReference();
      for (AutoCloseable c : new AutoCloseable[] {decoder, sampler, cache, mask, pos, next}) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    List<Generation> out = new ArrayList<>(b);
    for (int r = 0; r < b; r++) {
      out.add(new Generation(prompts.get(r).clone(), Arrays.copyOf(tokens[r], produced[r]),
          Arrays.copyOf(logprobs[r], produced[r]), stopped[r]));
    }
    return out;
  }

  /**
   * Chooses one token per row natively: greedy argmax, or inverse-CDF sampling at {@code u[r]} (one uniform draw
   * from the row's own stream, so a row's choice depends on its logits and its stream only), over the full
   * distribution or its exact top-k/top-p truncation (stable descending sort: ties keep the lower id first). The
   * arithmetic is that of {@link #choose} / {@link #chooseSorted}: float64 {@code exp(logit / t - max)}, running
   * sums. Returns the tokens [B, 1] (long) and their untempered log-probabilities [B, 1] (float32).
   */
  static Tensor[] sampleNative(Tensor last, double[] u, Sampling s) {
    try (NativeSampler sampler = new NativeSampler(last.size(0), last.size(-1), last.device(), s)) {
      Tensor[] tl = sampler.sample(last, u);
      return new Tensor[] {tl[0].clone(), tl[1].clone()};
    }
  }

  /** Token ids of the first {@code len} columns, [B, len]. */
  private static Tensor ids(long[][] seq, int b, int from, int len) {
    long[] flat = new long[Masks.arrayLength(b, len, "rows x tokens")];
    for (int r = 0; r < b; r++) {
      System.arraycopy(seq[r], from, flat, r * len, len);
    }
    return Tensors.longs(flat, b, len);
  }

  /** Left-padded layout of the first len columns: pad columns [0, pad[r]) of each row. */
  private static AttentionLayout leftPadded(int b, int len, int[] pad) {
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
    AttentionLayout layout = leftPadded(b, len, pad);
    return lastLogits(model, model.hidden(ModelInput.of(ids(seq, b, 0, len), layout)));
  }

  /**
   * Runs the distinct prompts ({@code firsts}: the first row of each run of equal prompts) into a cache of their own
   * and expands it to every row ({@code source[r]}: the distinct prompt of row r); returns the rows' last logits.
   */
  private static Tensor prefill(LlamaModel model, long[][] seq, int b, int p, int[] pad, long[] source,
      List<Integer> firsts, KvCache cache) {
    if (firsts.size() == b) {
      AttentionLayout layout = leftPadded(b, p, pad);
      return lastLogits(model, model.forward(ModelInput.of(ids(seq, b, 0, p), layout), cache));
    }
    int n = firsts.size();
    long[][] useq = new long[n][];
    int[] upad = new int[n];
    for (int i = 0; i < n; i++) {
      useq[i] = seq[firsts.get(i)];
      upad[i] = pad[firsts.get(i)];
    }
    try (KvCache shared = new KvCache(model.config(), n, p, model.device())) {
      Tensor last = lastLogits(model, model.forward(ModelInput.of(ids(useq, n, 0, p), leftPadded(n, p, upad)), shared));
      Tensor index = Tensors.longs(source, b).to(model.device(), ScalarType.Long);
      cache.expandFrom(shared, index);
      return last.index_select(0, index);
    }
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
      long[] flat = new long[Masks.arrayLength(b, t, "sequences x tokens")];
      int[] lengths = new int[b];
      for (int r = 0; r < b; r++) {
        int[] sq = batch.get(r);
        lengths[r] = sq.length;
        for (int i = 0; i < sq.length; i++) {
          flat[r * t + i] = sq[i];
        }
      }
      try (PointerScope scope = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
        AttentionLayout layout = Masks.padded(lengths, t, false);
        float[] lp = Tensors.toFloats(model.tokenLogprobs(ModelInput.of(Tensors.longs(flat, b, t), layout)));
        for (int r = 0; r < b; r++) {
          out.add(Arrays.copyOfRange(lp, r * (t - 1), r * (t - 1) + lengths[r] - 1));
        }
      }
    }
    return out;
  }
}
