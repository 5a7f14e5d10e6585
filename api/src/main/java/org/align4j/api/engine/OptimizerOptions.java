package org.align4j.api.engine;

import java.util.ArrayList;
import java.util.List;
import org.align4j.api.Default;
import org.align4j.api.Doc;

/**
 * AdamW and its learning-rate schedule: the {@code optimizer:} block of every training stage's options, e.g.
 * {@code optimizer: {lr: 1.0e-5, schedule: cosine, warmup_ratio: 0.03, betas: [0.9, 0.95], eps: 1.0e-5,
 * weight_decay: 0.1, grad_clip: 1.0}}. Decoupled weight decay ({@code p *= 1 - lr * weight_decay}) skips 1-D tensors
 * such as norm weights; the learning rate warms up linearly from 0, then stays constant or follows a cosine down to
 * {@code lr * min_lr_ratio}.
 *
 * <p>A stage nests this record as an options component and states its own paper defaults with a partial
 * {@code @Default("{lr: 2.0e-5, warmup_ratio: 0.03}")} on that component. The recipe binder takes the defaults below,
 * then the stage's block over them, then the recipe's keys over both, so a recipe writing {@code optimizer: {lr: 3e-5}}
 * keeps the stage's schedule.
 *
 * @param lr peak learning rate
 * @param schedule {@code constant} or {@code cosine}
 * @param warmupRatio warm-up as a fraction of the total steps (Llama 2 RM: 0.03)
 * @param warmupSteps warm-up steps at least: the warm-up is the larger of this and {@code warmupRatio * total} (Llama
 *     2 RM: 5)
 * @param minLrRatio floor of the cosine schedule as a fraction of lr (Llama 2 RM: 0.1)
 * @param betas Adam's {@code [beta1, beta2]}
 * @param eps Adam's epsilon
 * @param weightDecay decoupled weight decay
 * @param gradClip max global gradient norm; 0 for no clipping
 */
public record OptimizerOptions(
    @Doc("peak learning rate") @Default("1.0e-5") double lr,
    @Doc("after the warm-up: constant or cosine") @Default("cosine") String schedule,
    @Doc("warm-up (linear from 0) as a fraction of the steps") @Default("0.0") double warmupRatio,
    @Doc("warm-up steps at least (the larger of this and warmup_ratio x steps)") @Default("0") int warmupSteps,
    @Doc("cosine floor as a fraction of lr") @Default("0.0") double minLrRatio,
    @Doc("AdamW [beta1, beta2]") @Default("[0.9, 0.95]") List<Double> betas,
    @Doc("AdamW epsilon") @Default("1.0e-5") double eps,
    @Doc("AdamW decoupled weight decay (not on 1-D tensors)") @Default("0.1") double weightDecay,
    @Doc("max global gradient norm (0: off)") @Default("1.0") double gradClip) {

  /** Checks every range at once, so a recipe learns all its bad values in one validation. */
  public OptimizerOptions {
    var bad = new ArrayList<String>();
    if (!(lr > 0) || Double.isInfinite(lr)) {
      bad.add("lr must be a finite number > 0, got " + lr);
    }
    if (!"cosine".equals(schedule) && !"constant".equals(schedule)) {
      bad.add("schedule must be cosine or constant, got '" + schedule + "'");
    }
    if (!(warmupRatio >= 0 && warmupRatio < 1)) {
      bad.add("warmup_ratio must be in [0, 1), got " + warmupRatio);
    }
    if (warmupSteps < 0) {
      bad.add("warmup_steps must be >= 0, got " + warmupSteps);
    }
    if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
      bad.add("min_lr_ratio must be in [0, 1], got " + minLrRatio);
    }
    if (betas == null || betas.size() != 2 || betas.stream().anyMatch(b -> b == null || !(b >= 0 && b < 1))) {
      bad.add("betas must be two numbers in [0, 1), e.g. [0.9, 0.95], got " + betas);
    } else {
      betas = List.copyOf(betas);
    }
    if (!(eps > 0) || Double.isInfinite(eps)) {
      bad.add("eps must be a finite number > 0, got " + eps);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      bad.add("weight_decay must be >= 0, got " + weightDecay);
    }
    if (!(gradClip >= 0) || Double.isInfinite(gradClip)) {
      bad.add("grad_clip must be >= 0 (0: off), got " + gradClip);
    }
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", bad));
    }
  }

  /** Adam's beta1 ({@code betas[0]}). */
  public double beta1() {
    return betas.get(0);
  }

  /** Adam's beta2 ({@code betas[1]}). */
  public double beta2() {
    return betas.get(1);
  }

  /** Constant {@code lr}, no warm-up, weight decay or clipping, AdamW (0.9, 0.95, 1e-8): for code, not recipes. */
  public static OptimizerOptions constant(double lr) {
    return new OptimizerOptions(lr, "constant", 0, 0, 0, List.of(0.9, 0.95), 1e-8, 0, 0);
  }

  public OptimizerOptions withLr(double rate) {
    return new OptimizerOptions(rate, schedule, warmupRatio, warmupSteps, minLrRatio, betas, eps, weightDecay, gradClip);
  }

  public OptimizerOptions withSchedule(String s, int warmup, double ratio, double minRatio) {
    return new OptimizerOptions(lr, s, ratio, warmup, minRatio, betas, eps, weightDecay, gradClip);
  }

  public OptimizerOptions withAdamW(double wd, double b1, double b2, double e) {
    return new OptimizerOptions(lr, schedule, warmupRatio, warmupSteps, minLrRatio, List.of(b1, b2), e, wd, gradClip);
  }

  public OptimizerOptions withGradClip(double clip) {
    return new OptimizerOptions(lr, schedule, warmupRatio, warmupSteps, minLrRatio, betas, eps, weightDecay, clip);
  }
}
