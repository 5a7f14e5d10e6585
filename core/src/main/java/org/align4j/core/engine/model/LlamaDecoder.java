package org.align4j.core.engine.model;

import java.util.ArrayList;
import java.util.List;
import org.align4j.api.model.ModelConfig;
import org.align4j.core.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Decode steps of a {@link LlamaModel}: one new position per row of a filled {@link KvCache}, llama2.c style. A step
 * of a small model is mostly per-op overhead (dispatch, a TensorImpl and a JavaCPP object per result), not
 * arithmetic, so every per-step buffer (hidden state, q/k/v, MLP, logits) and every view of one is made once for the
 * batch and reused: projections write into their buffer ({@code mv_out} / {@code mm_out}), RoPE and the residual
 * adds run in place, the new keys/values are copied into the cache slot by index. A layer then creates three tensors
 * (the two RMSNorm outputs and the attention output, whose libtorch ops have no out= form) and two views (the filled
 * keys/values); a step about 20 native calls per layer.
 *
 * <p>For several rows the arithmetic is that of {@link LlamaModel#forward} for one position followed by
 * {@link LlamaModel#lmHead} (the same kernels on the same values: logits bit-identical). For one row the large
 * projections are matrix-vector products over transposed copies ({@link LlamaModel#gemvWeights}, ~2.5x the memory
 * bandwidth of the Hugging Face layout here), which sum in another order: batch-1 results differ from forward's by
 * float rounding. Not for attention variants with a visibility rule (the generator uses {@code forward} there), nor
 * with autograd on.
 *
 * <p>Use: fill the cache (prefill through {@code forward}), set {@link #tokens()} and {@link #positions()}, call
 * {@link #step} with the key mask; the returned logits are valid until the next step. Close it (or the cache owner
 * closes it) to free the buffers.
 */
public final class LlamaDecoder implements AutoCloseable {
  private final LlamaModel model;
  private final KvCache cache;
  private final int b;
  /** Batch 1: row buffers are vectors, so the large projections are {@code mv} with no reshape per call. */
  private final boolean one;
  private final long[] normShape;
  private final DoubleOptional eps;
  private final DoubleOptional noScale;
  private final List<Tensor> owned = new ArrayList<>();
  private final List<TensorOptional> optionals = new ArrayList<>();
  private final List<LlamaModel.Block> blocks;
  /** Per block, the transposed weights mm_out needs (views, shared storage): qkv, o, gateUp, down; then the head. */
  private final Tensor[][] wt;
  private final Tensor headT;
  private final Tensor head;
  /** Batch 1: LlamaModel.gemvWeights (null entries: small matrices, on the GEMM path); else null. */
  private final Tensor[] gemv;
  /**
   * bf16 decoding: per kind (qkv, o, gateUp, down) the bfloat16 input buffer [B, in] and its row-shaped
   * view, the bfloat16 output [B, out] and its row-shaped view; and per matrix slot the transposed bf16 weight.
   * Null for float32.
   */
  private final Tensor[] bIn;
  private final Tensor[] bInRows;
  private final Tensor[] bOut;
  private final Tensor[] bOutRows;
  private final Tensor[] bWeightT;
  /** Per block, its two RMSNorm weights as the optionals rms_norm takes; then the final norm's. */
  private final TensorOptional[][] norms;
  private final TensorOptional finalNorm;

  private final Tensor tokens; // [B, 1] long
  private final Tensor positions; // [B, 1] long
  private final Tensor tokens1; // [B] views of the two
  private final Tensor positions1;
  private final Tensor slot; // [1] long: the cache position this step writes
  private final Tensor h; // residual stream [B, d] ([d] for batch 1)
  private final Tensor h2; // [B, d] view of h
  private final Tensor cos; // [B, 1, hd] this step's RoPE rows
  private final Tensor sin;
  private final Tensor cos2; // [B, hd] views of them
  private final Tensor sin2;
  private final Tensor qkv; // [B, (hq + 2 hkv) hd]
  private final Tensor qkv2;
  private final Tensor qk; // [B, hq + hkv, hd]: the rows RoPE rotates
  private final Tensor qkLo;
  private final Tensor qkHi;
  private final Tensor rolled; // [B, hq + hkv, hd]: qk with its halves swapped
  private final Tensor rolledLo;
  private final Tensor rolledHi;
  private final Tensor q; // [B, hkv, g, hd]: the g query heads sharing a key/value head as g query rows
  private final Tensor k; // [B, hkv, 1, hd]
  private final Tensor v;
  private final Tensor o; // [B, d]
  private final Tensor o2;
  private final Tensor gu; // [B, 2f]
  private final Tensor gu2;
  private final Tensor gate; // [B, f] views of gu
  private final Tensor up;
  private final Tensor down; // [B, d]
  private final Tensor down2;
  private final Tensor logits; // [B, vocab]
  private final Tensor logits1; // [vocab] view (batch 1), else null
  private final Tensor logitsT; // [vocab, B] (batch > 1): the head's GEMM result, transposed into logits

  LlamaDecoder(LlamaModel model, KvCache cache, boolean bf16) {
    this.model = model;
    this.cache = cache;
    ModelConfig c = model.config();
    b = cache.batch();
    one = b == 1;
    int d = c.hiddenSize();
    int hq = c.numHeads();
    int hkv = c.numKeyValueHeads();
    int hd = c.headDim();
    int f = c.intermediateSize();
    int heads = hq + 2 * hkv;
    normShape = new long[] {d};
    blocks = model.blocks();
    TensorOptions fl = new TensorOptions(ScalarType.Float).device(new DeviceOptional(model.device()));
    TensorOptions lg = new TensorOptions(ScalarType.Long).device(new DeviceOptional(model.device()));
    try (PointerScope scope = new PointerScope()) {
      // retained beyond the scope, released by close()
      eps = new DoubleOptional(c.rmsNormEps()).retainReference();
      noScale = new DoubleOptional().retainReference();
      tokens = own(torch.zeros(new long[] {b, 1}, lg));
      positions = own(torch.zeros(new long[] {b, 1}, lg));
      tokens1 = own(tokens.view(b));
      positions1 = own(positions.view(b));
      slot = own(torch.zeros(new long[] {1}, lg));
      h = own(torch.zeros(rows(d), fl));
      h2 = own(h.view(b, d));
      cos = own(torch.zeros(new long[] {b, 1, hd}, fl));
      sin = own(torch.zeros(new long[] {b, 1, hd}, fl));
      cos2 = own(cos.view(b, hd));
      sin2 = own(sin.view(b, hd));
      qkv = own(torch.zeros(rows((long) heads * hd), fl));
      qkv2 = own(qkv.view(b, (long) heads * hd));
      Tensor qkv3 = qkv.view(b, heads, hd);
      qk = own(qkv3.narrow(1, 0, hq + hkv));
      qkLo = own(qk.narrow(-1, 0, hd / 2));
      qkHi = own(qk.narrow(-1, hd / 2, hd / 2));
      rolled = own(torch.zeros(new long[] {b, hq + hkv, hd}, fl));
      rolledLo = own(rolled.narrow(-1, 0, hd / 2));
      rolledHi = own(rolled.narrow(-1, hd / 2, hd / 2));
      q = own(qkv3.narrow(1, 0, hq).view(b, hkv, hq / hkv, hd));
      k = own(qkv3.narrow(1, hq, hkv).unsqueeze(2));
      v = own(qkv3.narrow(1, hq + hkv, hkv).unsqueeze(2));
      o = own(torch.zeros(rows(d), fl));
      o2 = own(o.view(b, d));
      gu = own(torch.zeros(rows(2L * f), fl));
      gu2 = own(gu.view(b, 2L * f));
      gate = own(gu.narrow(-1, 0, f));
      up = own(gu.narrow(-1, f, f));
      down = own(torch.zeros(rows(d), fl));
      down2 = own(down.view(b, d));
      logits = own(torch.zeros(new long[] {b, c.vocabSize()}, fl));
      logits1 = one ? own(logits.view(c.vocabSize())) : null;
      logitsT = one ? null : own(torch.zeros(new long[] {c.vocabSize(), b}, fl));
      wt = new Tensor[blocks.size()][];
      norms = new TensorOptional[blocks.size()][];
      for (int i = 0; i < blocks.size(); i++) {
        LlamaModel.Block blk = blocks.get(i);
        wt[i] = new Tensor[] {own(blk.qkv().t()), own(blk.o().t()), own(blk.gateUp().t()), own(blk.down().t())};
        norms[i] = new TensorOptional[] {keep(new TensorOptional(blk.inputNorm())), keep(new TensorOptional(blk.postNorm()))};
      }
      finalNorm = keep(new TensorOptional(model.finalNorm()));
      head = model.lmHeadWeight();
      headT = own(head.t());
      gemv = one ? model.gemvWeights(bf16) : null;
      if (bf16) {
        TensorOptions bo = new TensorOptions(ScalarType.BFloat16).device(new DeviceOptional(model.device()));
        long[] ins = {d, (long) hq * hd, d, f};
        long[] outs = {(long) heads * hd, d, 2L * f, d};
        bIn = new Tensor[4];
        bInRows = new Tensor[4];
        bOut = new Tensor[4];
        bOutRows = new Tensor[4];
        for (int k = 0; k < 4; k++) {
          bIn[k] = own(torch.zeros(new long[] {b, ins[k]}, bo));
          bInRows[k] = one ? own(bIn[k].view(ins[k])) : bIn[k];
          bOut[k] = own(torch.zeros(new long[] {b, outs[k]}, bo));
          bOutRows[k] = one ? own(bOut[k].view(outs[k])) : bOut[k];
        }
        Tensor[] wb = model.bf16Weights();
        bWeightT = new Tensor[wb.length];
        for (int i = 0; i < wb.length - 1; i++) { // the LM head (last) stays float32
          bWeightT[i] = own(wb[i].t());
        }
      } else {
        bIn = null;
        bInRows = null;
        bOut = null;
        bOutRows = null;
        bWeightT = null;
      }
    }
  }

  private long[] rows(long n) {
    return one ? new long[] {n} : new long[] {b, n};
  }

  private Tensor own(Tensor t) {
    owned.add(Tensors.keep(t));
    return t;
  }

  private TensorOptional keep(TensorOptional o) {
    o.retainReference();
    optionals.add(o);
    return o;
  }

  /** The tokens the next step feeds, [B, 1] long; write them in place. */
  public Tensor tokens() {
    return tokens;
  }

  /** Their positions (RoPE), [B, 1] long; write them in place. */
  public Tensor positions() {
    return positions;
  }

  /**
   * Runs one position per row: appends its keys/values to the cache and returns the logits [B, vocab] (a buffer of
   * this decoder, overwritten by the next step).
   *
   * @param keyMask bool [B, 1, 1, cache.length() + 1]: the cached positions and the new one each row attends to
   */
  public Tensor step(Tensor keyMask) {
    model.ensureOpen();
    if (org.bytedeco.pytorch.GradMode.is_enabled()) {
      throw new IllegalStateException("LlamaDecoder.step runs without autograd: call it under a NoGradGuard");
    }
    if (cache.length() >= cache.capacity()) {
      throw new IllegalStateException("KV cache full: " + cache.length() + " + 1 > " + cache.capacity());
    }
    long len = cache.length() + 1L;
    slot.fill_(new Scalar(cache.length()));
    torch.index_select_out(h2, model.embedTable(), 0, tokens1);
    torch.index_select_out(cos2, model.cosTable(), 0, positions1);
    torch.index_select_out(sin2, model.sinTable(), 0, positions1);
    TensorOptional mask = new TensorOptional(keyMask);
    for (int i = 0; i < blocks.size(); i++) {
      LlamaModel.Block blk = blocks.get(i);
      Tensor x = torch.rms_norm(h, normShape, norms[i][0], eps);
      project(qkv, qkv2, x, 4 * i, wt[i][0]);
      // RoPE as LlamaModel.rope: x*cos + roll(x, hd/2)*sinSigned; the roll is two half copies
      rolledLo.copy_(qkHi);
      rolledHi.copy_(qkLo);
      qk.mul_(cos).addcmul_(rolled, sin);
      cache.keys[i].index_copy_(2, slot, k);
      cache.values[i].index_copy_(2, slot, v);
      Tensor a = torch.scaled_dot_product_attention(q, cache.keys[i].narrow(2, 0, len),
          cache.values[i].narrow(2, 0, len), mask, 0.0, false, noScale, false);
      project(o, o2, one ? a.reshape(-1) : a.reshape(b, -1), 4 * i + 1, wt[i][1]);
      h.add_(o);
      Tensor y = torch.rms_norm(h, normShape, norms[i][1], eps);
      project(gu, gu2, y, 4 * i + 2, wt[i][2]);
      torch.silu_(gate).mul_(up);
      project(down, down2, gate, 4 * i + 3, wt[i][3]);
      h.add_(down);
    }
    cache.advance(1);
    Tensor hn = torch.rms_norm(h, normShape, finalNorm, eps);
    if (one) {
      project(logits1, logits, hn, gemvSlots() - 1, headT);
    } else {
      // head [vocab, d] x hidden^T: the same sums as linear's GEMM (bit-identical) with the head in the role OpenBLAS
      // packs fastest (measured 10.3 vs 12.4 ms for 32000x288 at batch 32, one thread); one transposing copy back
      torch.mm_out(logitsT, head, hn.t());
      logits.copy_(logitsT.t());
    }
    return logits;
  }

  private int gemvSlots() {
    return 4 * blocks.size() + 1;
  }

  /**
   * {@code out = x w^T} for matrix {@code slot} (see LlamaModel.gemvWeights): for one row of a large matrix a
   * matrix-vector product over its gemv copy, else libtorch's GEMM as linear runs it (mm on the transposed view),
   * which for several rows gives linear's result bit for bit.
   */
  private void project(Tensor out, Tensor out2, Tensor x, int slot, Tensor wT) {
    if (bWeightT != null && bWeightT[slot] != null) {
      // bf16: the input rounded to bfloat16, oneDNN's bf16 GEMM (float32 accumulation), the output back to float32
      int kind = slot % 4;
      bInRows[kind].copy_(x);
      torch.mm_out(bOut[kind], bIn[kind], bWeightT[slot]);
      out.copy_(bOutRows[kind]);
    } else if (one && gemv[slot] != null) {
      torch.mv_out(out, gemv[slot], x);
    } else {
      torch.mm_out(out2, one ? x.view(1, -1) : x, wT);
    }
  }

  @Override
  public void close() {
    for (Tensor t : owned) {
      t.close();
    }
    owned.clear();
    for (TensorOptional o : optionals) {
      o.releaseReference();
    }
    optionals.clear();
    eps.releaseReference();
    noScale.releaseReference();
  }
}
