package org.align4j.core.engine.generate;

import java.util.ArrayList;
import java.util.List;
import org.align4j.api.engine.Generator.Sampling;
import org.align4j.core.engine.Tensors;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.StringViewOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The token choice of {@link LocalGenerator#sampleNative} with its [B, vocab] buffers made once per batch and
 * written by out= ops each step: a rollout step at batch 32 otherwise allocates (and page-faults) several
 * megabytes of float64 per step. Same ops on the same values as sampleNative, so the same tokens and log-probs.
 * The returned tensors are buffers of this sampler, overwritten by the next call.
 */
public final class NativeSampler implements AutoCloseable {
  private final Sampling s;
  private final long b;
  private final long vocab;
  private final boolean truncated;
  private final List<Tensor> owned = new ArrayList<>();
  private final Tensor tok; // [B, 1] long
  private final Tensor lp; // [B, 1] float
  private final Tensor logSoftmax; // [B, vocab] float
  private final Tensor u; // [B, 1] float64: the rows' uniform draws (CPU)
  private final Tensor uDev; // the same on the device (u itself on CPU)
  // temperature > 0
  private final Tensor z; // [B, vocab] float64
  private final Tensor zMax; // [B, 1] float64
  private final Tensor cdf; // [B, vocab] float64
  private final Tensor total; // [B, 1] view: the last column of cdf
  private final Tensor idx; // [B, 1] long
  private final Tensor sorted; // top-k/top-p: logits sorted descending, and their ids
  private final Tensor order;
  private final Scalar temperature;
  private final Scalar lastId;
  private final Scalar one;

  public NativeSampler(long b, long vocab, Device device, Sampling s) {
    this.s = s;
    this.b = b;
    this.vocab = vocab;
    truncated = s.temperature() != 0 && ((s.topK() > 0 && s.topK() < vocab) || s.topP() < 1);
    TensorOptions fl = new TensorOptions(ScalarType.Float).device(new DeviceOptional(device));
    TensorOptions lg = new TensorOptions(ScalarType.Long).device(new DeviceOptional(device));
    TensorOptions db = new TensorOptions(ScalarType.Double).device(new DeviceOptional(device));
    try (PointerScope scope = new PointerScope()) {
      // kept beyond the scope (retained) and released by close()
      temperature = new Scalar(s.temperature()).retainReference();
      lastId = new Scalar(vocab - 1).retainReference();
      one = new Scalar(1).retainReference();
      tok = own(torch.zeros(new long[] {b, 1}, lg));
      lp = own(torch.zeros(new long[] {b, 1}, fl));
      logSoftmax = own(torch.zeros(new long[] {b, vocab}, fl));
      u = own(torch.zeros(new long[] {b, 1}, new TensorOptions(ScalarType.Double)));
      boolean sample = s.temperature() != 0;
      uDev = sample ? own(torch.zeros(new long[] {b, 1}, db)) : null;
      z = sample ? own(torch.zeros(new long[] {b, vocab}, db)) : null;
      zMax = sample ? own(torch.zeros(new long[] {b, 1}, db)) : null;
      cdf = sample ? own(torch.zeros(new long[] {b, vocab}, db)) : null;
      total = sample ? own(cdf.narrow(-1, vocab - 1, 1)) : null;
      idx = sample ? own(torch.zeros(new long[] {b, 1}, lg)) : null;
      sorted = truncated ? own(torch.zeros(new long[] {b, vocab}, fl)) : null;
      order = truncated ? own(torch.zeros(new long[] {b, vocab}, lg)) : null;
    }
  }

  private Tensor own(Tensor t) {
    owned.add(Tensors.keep(t));
    return t;
  }

  /** Tokens [B, 1] long and their untempered log-probabilities [B, 1] float32 for the rows' draws {@code draws}. */
  public Tensor[] sample(Tensor last, double[] draws) {
    if (s.temperature() == 0) {
      torch.argmax_out(tok, last, new LongOptional(-1), true);
    } else {
      Tensor vals = last;
      if (truncated) {
        torch.sort_out(sorted, order, last, new BoolOptional(true), -1, true);
        vals = sorted;
      }
      z.copy_(vals);
      z.div_(temperature);
      torch.amax_out(zMax, z, new long[] {-1}, true);
      z.sub_(zMax).exp_();
      torch.cumsum_out(cdf, z, -1);
      new DoublePointer(u.data_ptr()).capacity(draws.length).put(draws);
      uDev.copy_(u);
      if (truncated) {
        try (PointerScope scope = new PointerScope()) {
          long k = s.topK() > 0 ? Math.min(vocab, s.topK()) : vocab;
          Tensor count;
          if (s.topP() < 1) {
            count = cdf.div(total).lt(new Scalar(s.topP())).sum(new long[] {-1}, true,
                new ScalarTypeOptional(ScalarType.Long)).add_(one).clamp_max_(new Scalar(k));
          } else {
            count = torch.full(new long[] {b, 1}, new Scalar(k), new TensorOptions(ScalarType.Long).device(
                new DeviceOptional(last.device())));
          }
          Tensor kept = cdf.gather(-1, count.sub(one));
          uDev.mul_(kept);
          torch.searchsorted_out(idx, cdf, uDev, false, true, new StringViewOptional(), new TensorOptional());
          torch.gather_out(tok, order, -1, torch.minimum(idx, count.sub(one)));
        }
      } else {
        uDev.mul_(total);
        torch.searchsorted_out(idx, cdf, uDev, false, true, new StringViewOptional(), new TensorOptional());
        tok.copy_(idx.clamp_max_(lastId));
      }
    }
    torch.log_softmax_out(logSoftmax, last, -1);
    torch.gather_out(lp, logSoftmax, -1, tok);
    return new Tensor[] {tok, lp};
  }

  @Override
  public void close() {
    for (Tensor t : owned) {
      t.close();
    }
    owned.clear();
    temperature.releaseReference();
    lastId.releaseReference();
    one.releaseReference();
  }
}
