package org.align4j.e2e;

import java.util.Map;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A reference Llama forward in plain tensor ops, written apart from the engine so that it can check it: explicit
 * {@code softmax(q k^T / sqrt(d) masked) v} attention (no fused kernel, no cache) over the weights of an engine
 * model, Hugging Face conventions (rotate-half RoPE, key/value head j serving query heads j*g..j*g+g-1, RMSNorm,
 * SwiGLU). No RoPE scaling; plain unscaled theta, as {@code ModelConfig.llama} makes.
 */
final class MaskedSoftmaxLlama {
  private MaskedSoftmaxLlama() {}

  /**
   * Next-token logits {@code [B, T, vocab]}.
   *
   * @param ids int64 {@code [B, T]}
   * @param positions int64 {@code [B, T]} RoPE positions
   * @param allowed boolean {@code [B or 1, 1, T, T]}: the keys each query sees (the reference adds nothing to it)
   */
  static Tensor logits(LanguageModel model, Tensor ids, Tensor positions, Tensor allowed) {
    ModelConfig c = model.config();
    Map<String, Tensor> w = model.parameters();
    long b = ids.size(0);
    long t = ids.size(1);
    int hq = c.numHeads();
    int hkv = c.numKeyValueHeads();
    int hd = c.headDim();
    // inv_freq_i = theta^(-2i/hd); angles [B, 1, T, hd/2] broadcast over heads
    Tensor exponents = torch.arange(new Scalar(0), new Scalar(hd), new Scalar(2)).to(ScalarType.Double).div(new Scalar(hd));
    Tensor invFreq = torch.pow(new Scalar(c.ropeTheta()), exponents).reciprocal().to(ScalarType.Float);
    Tensor angles = positions.to(ScalarType.Float).unsqueeze(-1).mul(invFreq).unsqueeze(1);
    Tensor cos = torch.cat(new TensorVector(angles.cos(), angles.cos()), -1);
    Tensor sin = torch.cat(new TensorVector(angles.sin(), angles.sin()), -1);
    Tensor hidden = torch.embedding(w.get("model.embed_tokens.weight"), ids);
    for (int layer = 0; layer < c.numLayers(); layer++) {
      String n = "model.layers." + layer + ".";
      Tensor x = rmsNorm(hidden, w.get(n + "input_layernorm.weight"), c.rmsNormEps());
      Tensor q = rope(heads(x.matmul(w.get(n + "self_attn.q_proj.weight").t()), b, t, hq, hd), cos, sin);
      Tensor k = rope(heads(x.matmul(w.get(n + "self_attn.k_proj.weight").t()), b, t, hkv, hd), cos, sin);
      Tensor v = heads(x.matmul(w.get(n + "self_attn.v_proj.weight").t()), b, t, hkv, hd);
      k = k.repeat_interleave(hq / hkv, new LongOptional(1), new LongOptional());
      v = v.repeat_interleave(hq / hkv, new LongOptional(1), new LongOptional());
      Tensor scores = q.matmul(k.transpose(2, 3)).div(new Scalar(Math.sqrt(hd)))
          .masked_fill(allowed.logical_not(), new Scalar(Double.NEGATIVE_INFINITY));
      Tensor attended = scores.softmax(-1).matmul(v).transpose(1, 2).reshape(b, t, (long) hq * hd);
      hidden = hidden.add(attended.matmul(w.get(n + "self_attn.o_proj.weight").t()));
      Tensor y = rmsNorm(hidden, w.get(n + "post_attention_layernorm.weight"), c.rmsNormEps());
      Tensor gate = torch.silu(y.matmul(w.get(n + "mlp.gate_proj.weight").t()));
      Tensor up = y.matmul(w.get(n + "mlp.up_proj.weight").t());
      hidden = hidden.add(gate.mul(up).matmul(w.get(n + "mlp.down_proj.weight").t()));
    }
    Tensor head = c.tieWordEmbeddings() ? w.get("model.embed_tokens.weight") : w.get("lm_head.weight");
    return rmsNorm(hidden, w.get("model.norm.weight"), c.rmsNormEps()).matmul(head.t());
  }

  /** {@code [B, T, H*hd]} to {@code [B, H, T, hd]}. */
  private static Tensor heads(Tensor x, long b, long t, int h, int hd) {
    return x.view(b, t, h, hd).transpose(1, 2);
  }

  private static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
    Tensor meanSquare = x.mul(x).mean(new long[] {-1}, true, new ScalarTypeOptional());
    return x.mul(meanSquare.add(new Scalar(eps)).rsqrt()).mul(weight);
  }

  /** x * cos + cat(-x2, x1) * sin over the last dimension. */
  private static Tensor rope(Tensor x, Tensor cos, Tensor sin) {
    long half = x.size(-1) / 2;
    Tensor rotated = torch.cat(new TensorVector(x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)), -1);
    return x.mul(cos).add(rotated.mul(sin));
  }
}
