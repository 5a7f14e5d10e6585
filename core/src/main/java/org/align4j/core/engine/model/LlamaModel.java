package org.align4j.core.engine.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.model.AttentionVariant;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.api.model.RopeScaling;
import org.align4j.core.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The Llama decoder, written as a plain list of layers over libtorch ops (libtorch cannot call a forward written
 * in Java, so there is no {@code Sequential}). Hugging Face conventions throughout: RoPE rotates halves,
 * key/value head j serves query heads j*g..j*g+g-1, RMSNorm in float32 times the weight, SwiGLU
 * {@code down(silu(gate(x)) * up(x))}, parameters named as {@code LlamaForCausalLM} names them. Attention is causal
 * under the input's mask, narrowed by the attention variant's {@link AttentionVariant.Visibility} when it has one.
 */
public final class LlamaModel implements LanguageModel {
  /** One decoder block's weights. */
  record Block(Tensor inputNorm, Tensor q, Tensor k, Tensor v, Tensor o, Tensor postNorm, Tensor gate, Tensor up,
      Tensor down, Tensor qkv, Tensor gateUp) {}

  private final ModelConfig config;
  private final Device device;
  private final Map<String, Tensor> params;
  private final Tensor embed;
  private final List<Block> blocks;
  private final Tensor norm;
  private final Tensor lmHead;
  private final Tensor score;
  private final Tensor invFreq;
  /** Null: plain causal attention (the fused is_causal kernel whenever the input has no mask). */
  private final AttentionVariant.Visibility visibility;
  /** RoPE tables [positions, headDim]: cos, and sin with its first half negated (rotate-half folded in). */
  private Tensor cosTable;
  private Tensor sinTable;
  private final List<Tensor> fused = new ArrayList<>();
  /**
   * Batch-1 decode copies of the projection matrices, slot 4i..4i+3 for block i's qkv, o, gateUp, down and slot 4L
   * for the LM head: each a column-major [out, in] view of a contiguous [in, out] copy (see {@link #gemvWeights}),
   * with the version of the weight it was copied at; null until a batch-1 decoder asks.
   */
  private Tensor[] gemvCopy;
  /** bf16 decoding: bfloat16 copies of the same matrices (Hugging Face layout), versions as for gemvCopy. */
  private Tensor[] bf16Copy;
  private long[] bf16Version;
  private Tensor[] gemvView;
  private long[] gemvVersion;
  private boolean closed;

  /**
   * @param config the architecture
   * @param weights tensors by Hugging Face name, already float32 on {@code device}; kept by the model
   * @param visibility the keys a query may see beyond causal order and the input's mask; null for all of them
   */
  public LlamaModel(ModelConfig config, Map<String, Tensor> weights, Device device, AttentionVariant.Visibility visibility) {
    this.config = config;
    this.device = device;
    this.visibility = visibility;
    Map<String, Tensor> p = new LinkedHashMap<>();
    embed = take(weights, p, "model.embed_tokens.weight", config.vocabSize(), config.hiddenSize());
    int q = config.numHeads() * config.headDim();
    int kv = config.numKeyValueHeads() * config.headDim();
    int d = config.hiddenSize();
    int f = config.intermediateSize();
    List<Block> bl = new ArrayList<>();
    for (int i = 0; i < config.numLayers(); i++) {
      String n = "model.layers." + i + ".";
      // taken in the order Hugging Face lists them, so parameters() keeps its order
      Tensor inNorm = take(weights, p, n + "input_layernorm.weight", d);
      Tensor[] qkv = fuse(weights, p, new String[] {n + "self_attn.q_proj.weight", n + "self_attn.k_proj.weight",
          n + "self_attn.v_proj.weight"}, new long[] {q, kv, kv}, d);
      Tensor o = take(weights, p, n + "self_attn.o_proj.weight", d, q);
      Tensor postNorm = take(weights, p, n + "post_attention_layernorm.weight", d);
      Tensor[] gu = fuse(weights, p, new String[] {n + "mlp.gate_proj.weight", n + "mlp.up_proj.weight"},
          new long[] {f, f}, d);
      Tensor down = take(weights, p, n + "mlp.down_proj.weight", d, f);
      bl.add(new Block(inNorm, qkv[1], qkv[2], qkv[3], o, postNorm, gu[1], gu[2], down, qkv[0], gu[0]));
    }
    blocks = Collections.unmodifiableList(bl);
    norm = take(weights, p, "model.norm.weight", d);
    lmHead = config.tieWordEmbeddings() ? embed : take(weights, p, "lm_head.weight", config.vocabSize(), d);
    score = config.scoreHeads() > 0 ? take(weights, p, "score.weight", config.scoreHeads(), d) : null;
    params = Collections.unmodifiableMap(p);
    invFreq = Tensors.keep(Tensors.floats(inverseFrequencies(config), config.headDim() / 2).to(device, ScalarType.Float));
    ropeTables(Math.max(config.maxPositionEmbeddings(), 1));
  }

  /**
   * Copies the named [rows_i, cols] tensors into one [sum rows, cols] buffer (returned first) and registers, under
   * the Hugging Face names, leaf tensors that are views of its rows: training updates them in place (the checkpoint
   * layout is unchanged), and inference runs one matmul over the buffer instead of one per projection.
   */
  private Tensor[] fuse(Map<String, Tensor> w, Map<String, Tensor> into, String[] names, long[] rows, long cols) {
    Tensor[] parts = new Tensor[names.length];
    for (int i = 0; i < names.length; i++) {
      parts[i] = take(w, into, names[i], rows[i], cols);
    }
    Tensor[] out = new Tensor[names.length + 1];
    try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
      Tensor buf = Tensors.keep(torch.cat(new org.bytedeco.pytorch.TensorVector(parts), 0).detach());
      out[0] = buf;
      long at = 0;
      for (int i = 0; i < names.length; i++) {
        out[i + 1] = Tensors.keep(buf.narrow(0, at, rows[i]).detach());
        at += rows[i];
        into.put(names[i], out[i + 1]);
      }
    }
    for (Tensor t : parts) {
      t.close();
    }
    fused.add(out[0]);
    return out;
  }

  /** cos/sin tables for positions [0, n), computed as the per-forward formula did (float32 pos * invFreq). */
  private void ropeTables(long n) {
    try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
      Tensor pos = torch.arange(new org.bytedeco.pytorch.Scalar(n),
          new TensorOptions(ScalarType.Float).device(new DeviceOptional(device)));
      Tensor freqs = pos.unsqueeze(-1).mul(invFreq);
      Tensor emb = torch.cat(new org.bytedeco.pytorch.TensorVector(freqs, freqs), -1);
      Tensor c = Tensors.keep(emb.cos());
      Tensor sn = emb.sin();
      sn.narrow(-1, 0, config.headDim() / 2).neg_();
      Tensor sg = Tensors.keep(sn.contiguous());
      if (cosTable != null) {
        cosTable.close();
        sinTable.close();
      }
      cosTable = c;
      sinTable = sg;
    }
  }

  private static Tensor take(Map<String, Tensor> w, Map<String, Tensor> into, String name, long... shape) {
    Tensor t = w.get(name);
    if (t == null) {
      throw new Align4jException("checkpoint has no tensor '" + name + "' (expected Hugging Face Llama names)");
    }
    long[] s = Tensors.shape(t);
    if (!java.util.Arrays.equals(s, shape)) {
      throw new Align4jException("tensor '" + name + "' has shape " + java.util.Arrays.toString(s) + ", config.json implies "
          + java.util.Arrays.toString(shape));
    }
    into.put(name, t);
    return t;
  }

  /** RoPE inverse frequencies, with Llama 3.1 ("llama3") or linear scaling, as transformers computes them. */
  public static float[] inverseFrequencies(ModelConfig c) {
    int half = c.headDim() / 2;
    float[] out = new float[half];
    RopeScaling s = c.ropeScaling();
    for (int i = 0; i < half; i++) {
      // transformers: 1 / base ** (arange(0, dim, 2).float() / dim), in float32
      float exponent = (float) (2 * i) / (float) c.headDim();
      float invf = (float) (1.0 / (float) Math.pow(c.ropeTheta(), exponent));
      if (s != null && s.type().equals("linear")) {
        invf = (float) (invf / s.factor());
      } else if (s != null && s.type().equals("llama3")) {
        double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        double wavelen = 2 * Math.PI / invf;
        double scaled = wavelen > lowWavelen ? invf / s.factor() : invf;
        if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
          double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
              / (s.highFreqFactor() - s.lowFreqFactor());
          scaled = (1 - smooth) * scaled / s.factor() + smooth * scaled;
        }
        invf = (float) scaled;
      }
      out[i] = invf;
    }
    return out;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public Map<String, Tensor> parameters() {
    return params;
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public Tensor hidden(ModelInput input) {
    return forward(input, null);
  }

  /**
   * Final-normed hidden states; with a cache, {@code input} holds only the new positions, its mask is
   * {@code [B, 1, T, cache.length() + T]} (null: causal over cache + new) and the cache grows by T.
   */
  public Tensor forward(ModelInput input, KvCache cache) {
    ensureOpen();
    Tensor ids = input.inputIds().to(device, ScalarType.Long);
    long b = ids.size(0);
    long t = ids.size(1);
    long past = cache == null ? 0 : cache.length();
    Tensor pos = input.positionIds() != null ? input.positionIds().to(device, ScalarType.Long)
        : torch.arange(new org.bytedeco.pytorch.Scalar(past), new org.bytedeco.pytorch.Scalar(past + t),
            new TensorOptions(ScalarType.Long).device(new DeviceOptional(device))).unsqueeze(0).expand(b, t);
    Tensor mask = input.attentionMask() == null ? null : input.attentionMask().to(device, ScalarType.Bool);
    if (visibility != null) {
      mask = narrowed(mask, past, t);
    } else if (mask == null && past > 0) {
      // new positions see the whole cache plus the causal part of themselves
      Tensor full = torch.ones(new long[] {t, past + t}, new TensorOptions(ScalarType.Bool).device(new DeviceOptional(device)));
      mask = full.tril(past).view(1, 1, t, past + t);
    }
    boolean causal = mask == null;
    long need = past + t;
    if (input.positionIds() != null) {
      need = Math.max(need, pos.max().item_long() + 1);
    }
    if (need > cosTable.size(0)) {
      ropeTables(Math.max(need, 2 * cosTable.size(0)));
    }
    // RoPE [B, T, 1, hd] from the tables (heads are dim 2 until attention)
    Tensor cos = torch.embedding(cosTable, pos).unsqueeze(2);
    Tensor sin = torch.embedding(sinTable, pos).unsqueeze(2);

    // no autograd: one matmul for q/k/v and one for gate/up over the fused buffers, residual adds in place
    boolean fast = !org.bytedeco.pytorch.GradMode.is_enabled();
    Tensor h = torch.embedding(embed, ids);
    int hq = config.numHeads();
    int hkv = config.numKeyValueHeads();
    int hd = config.headDim();
    int f = config.intermediateSize();
    boolean gqa = hkv != hq;
    long[] normShape = {config.hiddenSize()};
    DoubleOptional eps = new DoubleOptional(config.rmsNormEps());
    TensorOptional maskOpt = mask == null ? new TensorOptional() : new TensorOptional(mask);
    DoubleOptional noScale = new DoubleOptional();
    for (int i = 0; i < blocks.size(); i++) {
      Block blk = blocks.get(i);
      Tensor x = torch.rms_norm(h, normShape, new TensorOptional(blk.inputNorm()), eps);
      Tensor q;
      Tensor k;
      Tensor v;
      if (fast) {
        Tensor qkv = lin(x, blk.qkv()).view(b, t, hq + 2L * hkv, hd);
        Tensor qk = rope(qkv.narrow(2, 0, hq + hkv), cos, sin);
        q = qk.narrow(2, 0, hq).transpose(1, 2);
        k = qk.narrow(2, hq, hkv).transpose(1, 2);
        v = qkv.narrow(2, hq + hkv, hkv).transpose(1, 2);
      } else {
        q = rope(torch.linear(x, blk.q()).view(b, t, hq, hd), cos, sin).transpose(1, 2);
        k = rope(torch.linear(x, blk.k()).view(b, t, hkv, hd), cos, sin).transpose(1, 2);
        v = torch.linear(x, blk.v()).view(b, t, hkv, hd).transpose(1, 2);
      }
      if (cache != null) {
        Tensor[] kv = cache.append(i, k, v);
        k = kv[0];
        v = kv[1];
      }
      Tensor a;
      if (t == 1 && !causal) {
        // one new position: the g query heads sharing a key/value head act as g query rows of that head, so GQA/MQA
        // needs no expanded keys and the fused kernel takes the [B, 1, 1, L] mask broadcast over them
        Tensor qg = q.reshape(b, hkv, hq / hkv, hd);
        a = torch.scaled_dot_product_attention(qg, k, v, maskOpt, 0.0, false, noScale, false)
            .reshape(b, t, (long) hq * hd);
      } else {
        boolean share = gqa;
        if (gqa && mask != null && cache == null) {
          // With an explicit mask and enable_gqa libtorch's CPU SDPA falls back to its slow math path; with the
          // shared heads expanded it takes the fused kernel (packed SFT steps measured 5.5x faster).
          k = k.repeat_interleave(hq / hkv, new org.bytedeco.pytorch.LongOptional(1), new org.bytedeco.pytorch.LongOptional());
          v = v.repeat_interleave(hq / hkv, new org.bytedeco.pytorch.LongOptional(1), new org.bytedeco.pytorch.LongOptional());
          share = false;
        }
        a = torch.scaled_dot_product_attention(q, k, v, maskOpt, 0.0, causal, noScale, share);
        a = a.transpose(1, 2).reshape(b, t, (long) hq * hd);
      }
      if (fast) {
        h.add_(lin(a, blk.o()));
        Tensor y = torch.rms_norm(h, normShape, new TensorOptional(blk.postNorm()), eps);
        Tensor gu = lin(y, blk.gateUp());
        Tensor m = torch.silu(gu.narrow(-1, 0, f)).mul_(gu.narrow(-1, f, f));
        h.add_(lin(m, blk.down()));
      } else {
        h = h.add(torch.linear(a, blk.o()));
        Tensor y = torch.rms_norm(h, normShape, new TensorOptional(blk.postNorm()), eps);
        Tensor m = torch.silu(torch.linear(y, blk.gate())).mul(torch.linear(y, blk.up()));
        h = h.add(torch.linear(m, blk.down()));
      }
    }
    if (cache != null) {
      cache.advance(t);
    }
    return torch.rms_norm(h, normShape, new TensorOptional(norm), eps);
  }

  /**
   * The input's mask (null: causal) narrowed by the variant's visibility, {@code [B or 1, 1, T, past + T]}: query i
   * of this pass sits at row index past + i, the keys at 0..past+T-1 (the cache, then this pass).
   */
  private Tensor narrowed(Tensor mask, long past, long t) {
    TensorOptions indices = new TensorOptions(ScalarType.Long).device(new DeviceOptional(device));
    Tensor query = torch.arange(new org.bytedeco.pytorch.Scalar(past), new org.bytedeco.pytorch.Scalar(past + t), indices)
        .view(t, 1);
    Tensor key = torch.arange(new org.bytedeco.pytorch.Scalar(past + t), indices).view(1, past + t);
    Tensor seen = visibility.visible(query, key).to(ScalarType.Bool).logical_and(key.le(query)).view(1, 1, t, past + t);
    return mask == null ? seen : mask.logical_and(seen);
  }

  private static final long MV_MIN = 1 << 16; // below it the extra reshape/view ops cost more than they save

  /**
   * {@code linear(x, w)}; for a single row without autograd as a matrix-vector product, which libtorch's CPU
   * GEMM path for one row runs at well under the memory bandwidth (measured 2.5x slower on the 32000x288 LM head).
   */
  private static Tensor lin(Tensor x, Tensor w) {
    long n = x.numel();
    if (n == x.size(-1) && w.numel() >= MV_MIN && !org.bytedeco.pytorch.GradMode.is_enabled()) {
      long[] shape = new long[(int) x.dim()];
      java.util.Arrays.fill(shape, 1);
      shape[shape.length - 1] = w.size(0);
      return torch.mv(w, x.reshape(n)).view(shape);
    }
    return torch.linear(x, w);
  }

  /** HF rotate-half RoPE of x [B, T, H, hd]: x*cos + cat(-x2, x1)*sin = x*cos + roll(x, hd/2)*sinSigned. */
  private static Tensor rope(Tensor x, Tensor cos, Tensor sin) {
    long half = x.size(-1) / 2;
    Tensor swapped = torch.roll(x, new long[] {half}, -1);
    return torch.addcmul(x.mul(cos), swapped, sin);
  }

  @Override
  public Tensor lmHead(Tensor hidden) {
    ensureOpen();
    return lin(hidden, lmHead);
  }

  @Override
  public Tensor scoreHead(Tensor hidden) {
    ensureOpen();
    if (score == null) {
      throw new Align4jException("this model has no scalar head; load it with Models.LoadOptions.withScoreHead(seed)");
    }
    return torch.linear(hidden, score);
  }

  @Override
  public Tensor scores(ModelInput input) {
    return scoreHead(hidden(input)).select(-1, 0);
  }

  @Override
  public Tensor tokenLogprobs(ModelInput input) {
    Tensor logits = logits(input);
    long t = logits.size(1);
    Tensor lp = torch.log_softmax(logits.narrow(1, 0, t - 1), -1);
    Tensor next = input.inputIds().to(device, ScalarType.Long).narrow(1, 1, t - 1).unsqueeze(-1);
    return lp.gather(-1, next).squeeze(-1);
  }

  @Override
  public void requiresGrad(boolean on) {
    for (Tensor p : params.values()) {
      p.requires_grad_(on);
    }
  }

  /**
   * A decoder of one position per step over {@code cache} (filled by {@link #forward}), with buffers for the cache's
   * batch; null where this model's attention variant has a visibility rule (decode through {@link #forward} then).
   */
  public LlamaDecoder decoder(KvCache cache) {
    return decoder(cache, false);
  }

  /**
   * As {@link #decoder(KvCache)}; {@code bf16}: the layers' projections run in bfloat16 (weights, inputs and
   * outputs, float32 accumulation in oneDNN); RMSNorm, RoPE, attention, the residual stream and the LM head stay
   * float32 (libtorch's CPU GEMM has no bf16-in, float32-out form, and logits rounded to bfloat16 would move
   * log-probs by ~0.04).
   */
  public LlamaDecoder decoder(KvCache cache, boolean bf16) {
    ensureOpen();
    return visibility == null ? new LlamaDecoder(this, cache, bf16) : null;
  }

  List<Block> blocks() {
    return blocks;
  }

  Tensor embedTable() {
    return embed;
  }

  Tensor lmHeadWeight() {
    return lmHead;
  }

  Tensor finalNorm() {
    return norm;
  }

  Tensor cosTable() {
    return cosTable;
  }

  Tensor sinTable() {
    return sinTable;
  }

  /**
   * The matrices of a batch-1 decode step (block i's qkv, o, gateUp, down at 4i..4i+3, then the LM head), each as a
   * column-major view of a transposed copy, so {@code mv} runs OpenBLAS's gemv_n kernel: on this build's OpenBLAS,
   * {@code mv(w, x)} on the row-major Hugging Face layout (gemv_t) streams a weight from memory at ~9 GB/s on one
   * core, gemv_n at ~23 GB/s (measured on the 32000x288 LM head: 4.1 vs 1.6 ms), and a batch-1 step is nothing but
   * these reads. The copies cost the matrices' memory once more; each is made again when its weight changed in place
   * since (its version counter: optimizer steps, {@code copy_}), so training between generations is seen. gemv_n
   * sums in another order than gemv_t: batch-1 logits differ from {@link #lmHead}'s by float rounding (~1e-5).
   * Null entries for matrices below the size where {@link #lin} uses GEMM (those stay on linear's path), and with
   * {@code headOnly} for all but the LM head (bf16 decoding: its layers read {@link #bf16Weights}).
   */
  /**
   * The decode matrices (slots as in {@link #gemvWeights}, the LM head's slot null: it stays float32) as bfloat16 copies in the Hugging Face
   * [out, in] layout, for libtorch's oneDNN bf16 GEMM; made again when a weight changed in place.
   */
  synchronized Tensor[] bf16Weights() {
    int n = 4 * blocks.size() + 1;
    if (bf16Copy == null) {
      bf16Copy = new Tensor[n];
      bf16Version = new long[n];
    }
    for (int i = 0; i < n - 1; i++) {
      Tensor w = decodeMatrix(i);
      long version = w._version();
      if (bf16Copy[i] != null && bf16Version[i] == version) {
        continue;
      }
      if (bf16Copy[i] != null) {
        bf16Copy[i].close();
      }
      try (PointerScope s = new PointerScope()) {
        bf16Copy[i] = Tensors.keep(w.detach().to(ScalarType.BFloat16).contiguous());
      }
      bf16Version[i] = version;
    }
    return bf16Copy.clone();
  }

  /** Decode matrix {@code slot}: block i's qkv, o, gateUp, down at 4i..4i+3, then the LM head. */
  private Tensor decodeMatrix(int slot) {
    if (slot == 4 * blocks.size()) {
      return lmHead;
    }
    Block blk = blocks.get(slot / 4);
    return switch (slot % 4) {
      case 0 -> blk.qkv();
      case 1 -> blk.o();
      case 2 -> blk.gateUp();
      default -> blk.down();
    };
  }

  synchronized Tensor[] gemvWeights(boolean headOnly) {
    int n = 4 * blocks.size() + 1;
    if (gemvCopy == null) {
      gemvCopy = new Tensor[n];
      gemvView = new Tensor[n];
      gemvVersion = new long[n];
    }
    for (int i = 0; i < n; i++) {
      Tensor w = decodeMatrix(i);
      if (w.numel() < MV_MIN || (headOnly && i < n - 1)) {
        continue;
      }
      long version = w._version();
      if (gemvCopy[i] != null && gemvVersion[i] == version) {
        continue;
      }
      if (gemvCopy[i] != null) {
        gemvCopy[i].close();
        gemvView[i].close();
      }
      try (PointerScope s = new PointerScope()) {
        gemvCopy[i] = Tensors.keep(w.detach().t().contiguous());
        gemvView[i] = Tensors.keep(gemvCopy[i].t());
      }
      gemvVersion[i] = version;
    }
    return gemvView.clone();
  }

  void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("model is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Tensor p : params.values()) {
      p.close();
    }
    invFreq.close();
    cosTable.close();
    sinTable.close();
    for (Tensor t : fused) {
      t.close();
    }
    synchronized (this) {
      closeGemvCopies();
    }
  }

  private void closeGemvCopies() {
    if (gemvCopy != null) {
      for (int i = 0; i < gemvCopy.length; i++) {
        if (gemvCopy[i] != null) {
          gemvCopy[i].close();
          gemvView[i].close();
        }
      }
      gemvCopy = null;
    }
    if (bf16Copy != null) {
      for (Tensor t : bf16Copy) {
        if (t != null) {
          t.close();
        }
      }
      bf16Copy = null;
    }
  }
}
