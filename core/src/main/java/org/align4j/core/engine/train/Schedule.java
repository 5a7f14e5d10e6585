package org.align4j.core.engine.train;

import org.align4j.api.engine.OptimizerOptions;

/** Learning rate at a step: linear warm-up from 0, then constant or cosine decay to a floor. */
public final class Schedule {
  private final OptimizerOptions o;
  private final long total;
  private final long warmup;

  public Schedule(OptimizerOptions o, long totalSteps) {
    this.o = o;
    this.total = Math.max(1, totalSteps);
    this.warmup = Math.max(o.warmupSteps(), (long) Math.ceil(o.warmupRatio() * this.total));
  }

  public long warmupSteps() {
    return warmup;
  }

  /** lr for step {@code s} (0-based). */
  public double lr(long s) {
    if (s < warmup) {
      return o.lr() * (s + 1) / warmup;
    }
    if (o.schedule().equals("constant")) {
      return o.lr();
    }
    double progress = Math.min(1.0, (double) (s - warmup) / Math.max(1, total - warmup));
    double floor = o.minLrRatio();
    return o.lr() * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }
}
