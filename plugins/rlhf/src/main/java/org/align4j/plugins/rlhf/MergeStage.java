package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.engine.Models;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.stage.StagePort;
import org.align4j.toolkit.stage.ChatInputs;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Model averaging (Llama 3 section 4.1.5: "we average models obtained from experiments using various versions of data
 * or hyperparameters at each RM, SFT, or DPO stage"): a weighted average of checkpoints of one architecture, TIES
 * merging of their deltas from a base (trim small deltas, elect a sign per parameter, average the agreeing ones), or
 * spherical interpolation (SLERP) of two.
 */
@ProviderInfo(id = "merge",
    description = "model averaging: weighted average, TIES or SLERP of checkpoints of one architecture")
@StagePort(output = "model", description = "the merged checkpoint (with model_1's tokenizer files and merge.json)")
public final class MergeStage implements Stage<MergeStage.Options> {
  static final int MAX_MODELS = 6;

  public record Options(
      @Doc("average (weighted mean), ties (needs the base input) or slerp (two models)") @Default("average")
          String method,
      @Doc("one weight per model input in order (empty: equal); average and ties") @Default("[]") List<Double> weights,
      @Doc("ties: fraction of each delta's entries kept, by magnitude (TIES paper: 0.2)") @Default("0.2")
          double density,
      @Doc("ties: scale of the merged delta added to the base") @Default("1.0") double scale,
      @Doc("slerp: position between model_1 (0) and model_2 (1)") @Default("0.5") double t,
      @Doc("stored dtype: float32, bfloat16, float16 (default: the first model's)") String dtype) {
    public Options {
      if (!List.of("average", "ties", "slerp").contains(method)) {
        throw new IllegalArgumentException("method must be average, ties or slerp, got '" + method + "'");
      }
      weights = weights == null ? List.of() : List.copyOf(weights);
      double sum = 0;
      for (Double w : weights) {
        if (w == null || !(w >= 0) || Double.isInfinite(w)) {
          throw new IllegalArgumentException("weights must be finite numbers >= 0, got " + weights);
        }
        sum += w;
      }
      if (!weights.isEmpty() && !(sum > 0)) {
        throw new IllegalArgumentException("weights must not all be 0");
      }
      if (!(density > 0 && density <= 1)) {
        throw new IllegalArgumentException("density must be in (0, 1], got " + density);
      }
      if (!(scale > 0) || Double.isInfinite(scale)) {
        throw new IllegalArgumentException("scale must be a finite number > 0, got " + scale);
      }
      if (!(t >= 0 && t <= 1)) {
        throw new IllegalArgumentException("t must be in [0, 1], got " + t);
      }
      if (dtype != null && !List.of("float32", "bfloat16", "float16").contains(dtype)) {
        throw new IllegalArgumentException("dtype must be float32, bfloat16 or float16, got '" + dtype + "'");
      }
    }
  }

  @Inject Models models;

  @Override
  public List<Port> inputs() {
    List<Port> ports = new ArrayList<>();
    ports.add(Port.optional("base", "the model the others were fine-tuned from (ties)"));
    ports.add(Port.required("model_1", "first checkpoint (its config and tokenizer files are kept)"));
    ports.add(Port.required("model_2", "second checkpoint"));
    for (int i = 3; i <= MAX_MODELS; i++) {
      ports.add(Port.optional("model_" + i, "another checkpoint"));
    }
    return ports;
  }

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    List<Path> dirs = new ArrayList<>();
    for (int i = 1; i <= MAX_MODELS; i++) {
      ctx.optionalInput("model_" + i).ifPresent(dirs::add);
    }
    int n = dirs.size();
    if (o.method().equals("slerp") && n != 2) {
      throw new Align4jException("stage '" + ctx.stageId() + "': slerp interpolates exactly two models, got " + n);
    }
    if (!o.weights().isEmpty() && o.weights().size() != n) {
      throw new Align4jException("stage '" + ctx.stageId() + "': " + o.weights().size() + " weights for " + n
          + " models; give one per model input or none");
    }
    var baseDir = ctx.optionalInput("base");
    if (o.method().equals("ties") && baseDir.isEmpty()) {
      throw new Align4jException("stage '" + ctx.stageId() + "': ties merges deltas from a base model; give the input"
          + " 'base'");
    }
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = o.weights().isEmpty() ? 1.0 : o.weights().get(i);
    }
    List<LanguageModel> loaded = new ArrayList<>();
    LanguageModel base = null;
    try {
      for (Path d : dirs) {
        loaded.add(models.load(d, Models.LoadOptions.frozen()));
      }
      if (o.method().equals("ties")) {
        base = models.load(baseDir.get(), Models.LoadOptions.frozen());
      }
      Map<String, Tensor> target = loaded.get(0).parameters();
      for (int i = 1; i < n; i++) {
        check(dirs.get(0), target, dirs.get(i), loaded.get(i).parameters());
      }
      if (base != null) {
        check(dirs.get(0), target, baseDir.get(), base.parameters());
      }
      try (NoGradGuard g = new NoGradGuard()) {
        for (var e : target.entrySet()) {
          try (PointerScope s = new PointerScope()) {
            List<Tensor> ts = new ArrayList<>();
            for (LanguageModel m : loaded) {
              ts.add(m.parameters().get(e.getKey()));
            }
            Tensor merged = switch (o.method()) {
              case "average" -> average(ts, w);
              case "ties" -> ties(base.parameters().get(e.getKey()), ts, w, o.density(), o.scale());
              default -> slerp(ts.get(0), ts.get(1), o.t());
            };
            e.getValue().copy_(merged);
          }
        }
      }
      Path out = ctx.output("model");
      models.save(loaded.get(0), out, new Models.SaveOptions(o.dtype(), 0));
      if (StageFiles.hasTokenizer(dirs.get(0))) {
        ChatInputs.copyTokenizer(dirs.get(0), out);
      }
      if (java.nio.file.Files.isRegularFile(dirs.get(0).resolve(StageFiles.REWARD_META))) {
        java.nio.file.Files.copy(dirs.get(0).resolve(StageFiles.REWARD_META), out.resolve(StageFiles.REWARD_META));
      }
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("method", o.method());
      meta.put("models", dirs.stream().map(Path::toString).toList());
      meta.put("weights", w);
      baseDir.ifPresent(b -> meta.put("base", b.toString()));
      if (o.method().equals("ties")) {
        meta.put("density", o.density());
        meta.put("scale", o.scale());
      }
      if (o.method().equals("slerp")) {
        meta.put("t", o.t());
      }
      StageFiles.writeJson(ctx, out.resolve("merge.json"), meta);
    } finally {
      for (LanguageModel m : loaded) {
        m.close();
      }
      if (base != null) {
        base.close();
      }
    }
  }

  private static void check(Path firstDir, Map<String, Tensor> first, Path dir, Map<String, Tensor> other) {
    if (!first.keySet().equals(other.keySet())) {
      var missing = new java.util.TreeSet<>(first.keySet());
      missing.removeAll(other.keySet());
      var extra = new java.util.TreeSet<>(other.keySet());
      extra.removeAll(first.keySet());
      throw new Align4jException(dir + ": its parameters differ from " + firstDir + "'s (missing " + missing
          + ", extra " + extra + "); only checkpoints of one architecture can be merged");
    }
    for (var e : first.entrySet()) {
      if (!Tensors.shape(e.getValue()).equals(Tensors.shape(other.get(e.getKey())))) {
        throw new Align4jException(dir + ": tensor '" + e.getKey() + "' has shape " + Tensors.shape(other.get(e.getKey()))
            + ", " + firstDir + " has " + Tensors.shape(e.getValue()) + "; only checkpoints of one architecture can be"
            + " merged");
      }
    }
  }

  /** {@code sum_i w_i x_i / sum_i w_i}. */
  static Tensor average(List<Tensor> ts, double[] w) {
    double total = 0;
    for (double x : w) {
      total += x;
    }
    Tensor acc = torch.zeros_like(ts.get(0));
    for (int i = 0; i < ts.size(); i++) {
      if (w[i] != 0) {
        acc.add_(ts.get(i), new Scalar(w[i] / total));
      }
    }
    return acc;
  }

  /**
   * TIES merging (Yadav et al., 2023): deltas {@code d_i = x_i - base}; keep each delta's {@code density} fraction of
   * largest-magnitude entries; elect per entry the sign of {@code sum_i w_i d_i} (trimmed); average, weighted, the
   * trimmed deltas whose sign agrees; return {@code base + scale * merged}.
   */
  static Tensor ties(Tensor base, List<Tensor> ts, double[] w, double density, double scale) {
    List<Tensor> trimmed = new ArrayList<>();
    Tensor elect = torch.zeros_like(base);
    for (int i = 0; i < ts.size(); i++) {
      Tensor d = ts.get(i).sub(base);
      long numel = d.numel();
      long keep = Math.max(1, (long) Math.ceil(density * numel));
      if (keep < numel) {
        Tensor mag = d.abs().flatten();
        Tensor threshold = mag.kthvalue(numel - keep + 1).get0();
        d = d.mul(d.abs().ge(threshold).to(d.scalar_type()));
      }
      trimmed.add(d);
      elect.add_(d, new Scalar(w[i]));
    }
    Tensor sign = elect.sign();
    Tensor num = torch.zeros_like(base);
    Tensor den = torch.zeros_like(base);
    for (int i = 0; i < ts.size(); i++) {
      Tensor d = trimmed.get(i);
      Tensor agree = d.sign().eq(sign).logical_and(d.ne(new Scalar(0.0))).to(d.scalar_type());
      num.add_(d.mul(agree), new Scalar(w[i]));
      den.add_(agree, new Scalar(w[i]));
    }
    Tensor merged = num.div(den.clamp_min(new Scalar(1e-12)));
    return base.add(merged, new Scalar(scale));
  }

  /**
   * Spherical interpolation between {@code a} (t = 0) and {@code b} (t = 1), the angle taken between the flattened
   * tensors; linear interpolation where they are (anti)parallel within 1e-6 or either is zero.
   */
  static Tensor slerp(Tensor a, Tensor b, double t) {
    double na = Tensors.item(a.norm());
    double nb = Tensors.item(b.norm());
    if (na == 0 || nb == 0) {
      return a.mul(new Scalar(1 - t)).add(b, new Scalar(t));
    }
    double cos = Tensors.item(a.flatten().dot(b.flatten())) / (na * nb);
    cos = Math.max(-1, Math.min(1, cos));
    double omega = Math.acos(cos);
    double sin = Math.sin(omega);
    if (Math.abs(sin) < 1e-6) {
      return a.mul(new Scalar(1 - t)).add(b, new Scalar(t));
    }
    return a.mul(new Scalar(Math.sin((1 - t) * omega) / sin)).add(b, new Scalar(Math.sin(t * omega) / sin));
  }
}
