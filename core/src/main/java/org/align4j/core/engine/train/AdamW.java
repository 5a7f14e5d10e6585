package org.align4j.core.engine.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.OptimizerOptions;
import org.align4j.core.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AdamW as {@code torch.optim.AdamW} computes it (decoupled decay {@code p *= 1 - lr*wd}, bias-corrected moments),
 * written with in-place libtorch ops so its state is plain tensors that checkpoints store exactly. Weight decay
 * skips 1-D tensors (norm weights), as Hugging Face's Trainer does.
 */
public final class AdamW implements LoopOptimizer {
  private final Map<String, Tensor> params;
  private final OptimizerOptions o;
  private final Schedule schedule;
  final Map<String, Tensor> m = new LinkedHashMap<>();
  final Map<String, Tensor> v = new LinkedHashMap<>();
  private long steps;
  private double lastGradNorm;

  public AdamW(Map<String, Tensor> params, OptimizerOptions options, long totalSteps) {
    this.params = params;
    this.o = options;
    this.schedule = new Schedule(options, totalSteps);
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        m.put(e.getKey(), Tensors.keep(torch.zeros_like(e.getValue())));
        v.put(e.getKey(), Tensors.keep(torch.zeros_like(e.getValue())));
      }
    }
  }

  public Schedule schedule() {
    return schedule;
  }

  @Override
  public double lr() {
    return schedule.lr(steps);
  }

  @Override
  public long steps() {
    return steps;
  }

  @Override
  public void setSteps(long s) {
    steps = s;
  }

  @Override
  public Map<String, Tensor> momentsForCheckpoint() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : params.keySet()) {
      out.put("adam_m/" + name, m.get(name));
      out.put("adam_v/" + name, v.get(name));
    }
    return out;
  }

  @Override
  public void restoreMoments(Map<String, Tensor> state, java.nio.file.Path ckpt) {
    for (String name : params.keySet()) {
      LocalTrainer.copy(state, "adam_m/" + name, m.get(name), ckpt);
      LocalTrainer.copy(state, "adam_v/" + name, v.get(name), ckpt);
    }
  }

  @Override
  public void broadcastMoments(Trainer.GradientSync sync) {
    sync.broadcast(momentsForCheckpoint());
  }

  @Override
  public long stateBytes() {
    long b = 0;
    for (Tensor t : m.values()) {
      b += t.numel() * t.element_size();
    }
    for (Tensor t : v.values()) {
      b += t.numel() * t.element_size();
    }
    return b;
  }

  public double lastGradNorm() {
    return lastGradNorm;
  }

  /** Global L2 norm of the gradients (summed in double, in parameter order: deterministic). */
  public double gradNorm() {
    double sumsq = 0;
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (Tensor p : params.values()) {
        Tensor grad = p.grad();
        if (grad.defined()) {
          sumsq += grad.square().sum().item_double();
        }
      }
    }
    return Math.sqrt(sumsq);
  }

  @Override
  public double step() {
    double norm = gradNorm();
    lastGradNorm = norm;
    if (!Double.isFinite(norm)) {
      return norm;
    }
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Update u = new Update(o, lr(), ++steps, norm);
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        Tensor p = e.getValue();
        Tensor grad = p.grad();
        if (!grad.defined()) {
          continue;
        }
        u.clip(grad);
        if (p.dim() >= 2) {
          u.decay(p);
        }
        u.apply(p, grad, m.get(e.getKey()), v.get(e.getKey()));
      }
    }
    zeroGrad();
    return norm;
  }

  /**
   * One AdamW step's arithmetic, element for element as {@code torch.optim.AdamW}, shared by {@link AdamW} (per
   * tensor) and {@link ZeroAdamW} (per slice): clip the gradient by the global norm, decay the weights, move the
   * moments and update. Its scalars belong to the caller's {@code PointerScope}.
   */
  static final class Update {
    private final OptimizerOptions o;
    private final double clip;
    private final Scalar clipS;
    private final Scalar decay;
    private final Scalar oneMinusB1;
    private final Scalar oneMinusB2;
    private final Scalar sB1;
    private final Scalar sB2;
    private final Scalar sqrtBc2;
    private final Scalar eps;
    private final Scalar stepSize;

    /** For step number {@code step} (1-based) at learning rate {@code lr}, the gradients' global norm {@code norm}. */
    Update(OptimizerOptions o, double lr, long step, double norm) {
      this.o = o;
      double b1 = o.beta1();
      double b2 = o.beta2();
      double bc1 = 1 - Math.pow(b1, step);
      double bc2 = 1 - Math.pow(b2, step);
      clip = o.gradClip() > 0 && norm > o.gradClip() ? o.gradClip() / (norm + 1e-6) : 1.0;
      clipS = new Scalar(clip);
      decay = new Scalar(1 - lr * o.weightDecay());
      oneMinusB1 = new Scalar(1 - b1);
      oneMinusB2 = new Scalar(1 - b2);
      sB1 = new Scalar(b1);
      sB2 = new Scalar(b2);
      sqrtBc2 = new Scalar(Math.sqrt(bc2));
      eps = new Scalar(o.eps());
      stepSize = new Scalar(-lr / bc1);
    }

    void clip(Tensor grad) {
      if (clip < 1.0) {
        grad.mul_(clipS);
      }
    }

    /** Decoupled weight decay of {@code p}; the caller skips 1-D tensors (norm weights). */
    void decay(Tensor p) {
      if (o.weightDecay() > 0) {
        p.mul_(decay);
      }
    }

    /** Moves the moments by {@code grad} and updates {@code p} (after {@link #clip} and {@link #decay}). */
    void apply(Tensor p, Tensor grad, Tensor m, Tensor v) {
      m.mul_(sB1).add_(grad, oneMinusB1);
      v.mul_(sB2).addcmul_(grad, grad, oneMinusB2);
      Tensor denom = v.sqrt().div_(sqrtBc2).add_(eps);
      p.addcdiv_(m, denom, stepSize);
    }
  }

  @Override
  public void zeroGrad() {
    try (PointerScope s = new PointerScope()) {
      for (Tensor p : params.values()) {
        Tensor grad = p.grad();
        if (grad.defined()) {
          grad.zero_();
        }
      }
    }
  }

  @Override
  public void save(java.nio.file.Path file) {
    Map<String, Tensor> state = new LinkedHashMap<>();
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (String name : params.keySet()) {
        state.put("adam_m/" + name, m.get(name));
        state.put("adam_v/" + name, v.get(name));
      }
      state.put("steps", torch.tensor(new long[] {steps}));
      org.align4j.core.engine.io.SafeTensors.write(file, state, Map.of("format", "align4j-adamw"));
    }
  }

  @Override
  public void load(java.nio.file.Path file) {
    Map<String, Tensor> state = org.align4j.core.engine.io.SafeTensors.read(file);
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (String name : params.keySet()) {
        for (var kind : List.of(Map.entry("adam_m/", m), Map.entry("adam_v/", v))) {
          Tensor t = state.get(kind.getKey() + name);
          Tensor into = kind.getValue().get(name);
          if (t == null || !java.util.Arrays.equals(t.sizes().vec().get(), into.sizes().vec().get())) {
            throw new org.align4j.api.Align4jException(file + ": optimizer state '" + kind.getKey() + name
                + "' is missing or has another shape; the state belongs to other parameters");
          }
          into.copy_(t);
        }
      }
      Tensor st = state.get("steps");
      if (st == null) {
        throw new org.align4j.api.Align4jException(file + ": no 'steps' entry; not an optimizer state written by save()");
      }
      steps = st.item_long();
    } finally {
      state.values().forEach(Tensor::close);
    }
  }

  @Override
  public void close() {
    m.values().forEach(Tensor::close);
    v.values().forEach(Tensor::close);
    m.clear();
    v.clear();
  }
}
