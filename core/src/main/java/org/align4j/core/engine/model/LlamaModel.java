package org.align4j.core.engine.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.api.model.RopeScaling;
import org.align4j.core.engine.Tensors;
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
 * {@code down(silu(gate(x)) * up(x))}, parameters named as {@code LlamaForCausalLM} names them.
 */
public final class LlamaModel implements LanguageModel {
  /** One decoder block's weights. */
  record Block(Tensor inputNorm, Tensor q, Tensor k, Tensor v, Tensor o, Tensor postNorm, Tensor gate, Tensor up,
      Tensor down) {}

  private final ModelConfig config;
  private final Device device;
  private final Map<String, Tensor> params;
  private final Tensor embed;
  private final List<Block> blocks;
  private final Tensor norm;
  private final Tensor lmHead;
  private final Tensor score;
  private final Tensor invFreq;
  private boolean closed;

  /**
   * @param config the architecture
   * @param weights tensors by Hugging Face name, already float32 on {@code device}; kept by the model
   */
  public LlamaModel(ModelConfig config, Map<String, Tensor> weights, Device device) {
    this.config = config;
    this.device = device;
    Map<String, Tensor> p = new LinkedHashMap<>();
    embed = take(weights, p, "model.embed_tokens.weight", config.vocabSize(), config.hiddenSize());
    int q = config.numHeads() * config.headDim();
    int kv = config.numKeyValueHeads() * config.headDim();
    int d = config.hiddenSize();
    int f = config.intermediateSize();
    List<Block> bl = new ArrayList<>();
    for (int i = 0; i < config.numLayers(); i++) {
      String n = "model.layers." + i + ".";
      bl.add(new Block(
          take(weights, p, n + "input_layernorm.weight", d),
          take(weights, p, n + "self_attn.q_proj.weight", q, d),
          take(weights, p, n + "self_attn.k_proj.weight", kv, d),
          take(weights, p, n + "self_attn.v_proj.weight", kv, d),
          take(weights, p, n + "self_attn.o_proj.weight", d, q),
          take(weights, p, n + "post_attention_layernorm.weight", d),
          take(weights, p, n + "mlp.gate_proj.weight", f, d),
          take(weights, p, n + "mlp.up_proj.weight", f, d),
          take(weights, p, n + "mlp.down_proj.weight", d, f)));
    }
    blocks = Collections.unmodifiableList(bl);
    norm = take(weights, p, "model.norm.weight", d);
    lmHead = config.tieWordEmbeddings() ? embed : take(weights, p, "lm_head.weight", config.vocabSize(), d);
    score = config.scoreHeads() > 0 ? take(weights, p, "score.weight", config.scoreHeads(), d) : null;
    params = Collections.unmodifiableMap(p);
    invFreq = Tensors.keep(Tensors.floats(inverseFrequencies(config), config.headDim() / 2).to(device, ScalarType.Float));
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
    boolean causal = mask == null;
    if (mask == null && past > 0) {
      // new positions see the whole cache plus the causal part of themselves
      Tensor full = torch.ones(new long[] {t, past + t}, new TensorOptions(ScalarType.Bool).device(new DeviceOptional(device)));
      mask = full.tril(past).view(1, 1, t, past + t);
      causal = false;
    }
    // RoPE tables [B, 1, T, hd]
    Tensor freqs = pos.to(ScalarType.Float).unsqueeze(-1).mul(invFreq);
    Tensor emb = torch.cat(new org.bytedeco.pytorch.TensorVector(freqs, freqs), -1);
    Tensor cos = emb.cos().unsqueeze(1);
    Tensor sin = emb.sin().unsqueeze(1);

    Tensor h = torch.embedding(embed, ids);
    int hq = config.numHeads();
    int hkv = config.numKeyValueHeads();
    int hd = config.headDim();
    boolean gqa = hkv != hq;
    long[] normShape = {config.hiddenSize()};
    DoubleOptional eps = new DoubleOptional(config.rmsNormEps());
    for (int i = 0; i < blocks.size(); i++) {
      Block blk = blocks.get(i);
      Tensor x = torch.rms_norm(h, normShape, new TensorOptional(blk.inputNorm()), eps);
      Tensor q = torch.linear(x, blk.q()).view(b, t, hq, hd).transpose(1, 2);
      Tensor k = torch.linear(x, blk.k()).view(b, t, hkv, hd).transpose(1, 2);
      Tensor v = torch.linear(x, blk.v()).view(b, t, hkv, hd).transpose(1, 2);
      q = rope(q, cos, sin);
      k = rope(k, cos, sin);
      if (cache != null) {
        Tensor[] kv = cache.append(i, k, v);
        k = kv[0];
        v = kv[1];
      }
      boolean share = gqa;
      if (gqa && mask != null && cache == null) {
        // With an explicit mask and enable_gqa libtorch's CPU SDPA falls back to its slow math path; with the
        // shared heads expanded it takes the fused kernel (packed SFT steps measured 5.5x faster).
        k = k.repeat_interleave(hq / hkv, new org.bytedeco.pytorch.LongOptional(1), new org.bytedeco.pytorch.LongOptional());
        v = v.repeat_interleave(hq / hkv, new org.bytedeco.pytorch.LongOptional(1), new org.bytedeco.pytorch.LongOptional());
        share = false;
      }
      Tensor a = torch.scaled_dot_product_attention(q, k, v, mask == null ? new TensorOptional() : new TensorOptional(mask),
          0.0, causal, new DoubleOptional(), share);
      a = a.transpose(1, 2).reshape(b, t, (long) hq * hd);
      h = h.add(torch.linear(a, blk.o()));
      Tensor y = torch.rms_norm(h, normShape, new TensorOptional(blk.postNorm()), eps);
      Tensor m = torch.silu(torch.linear(y, blk.gate())).mul(torch.linear(y, blk.up()));
      h = h.add(torch.linear(m, blk.down()));
    }
    if (cache != null) {
      cache.advance(t);
    }
    return torch.rms_norm(h, normShape, new TensorOptional(norm), eps);
  }

  private static Tensor rope(Tensor x, Tensor cos, Tensor sin) {
    long half = x.size(-1) / 2;
    Tensor x1 = x.narrow(-1, 0, half);
    Tensor x2 = x.narrow(-1, half, half);
    Tensor rotated = torch.cat(new org.bytedeco.pytorch.TensorVector(x2.neg(), x1), -1);
    return x.mul(cos).add(rotated.mul(sin));
  }

  @Override
  public Tensor lmHead(Tensor hidden) {
    ensureOpen();
    return torch.linear(hidden, lmHead);
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

  private void ensureOpen() {
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
  }
}
