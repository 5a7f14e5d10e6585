package org.align4j.core.metrics;

import java.time.Duration;
import java.util.function.Consumer;
import org.align4j.api.metrics.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of one task: a redrawn bar with rate and ETA when a terminal is attached, otherwise a log
 * line every {@code logEvery} (CI logs stay readable).
 */
public final class ProgressReporter implements Progress {
  private static final Logger LOG = LoggerFactory.getLogger("align4j.progress");
  private static volatile Consumer<String> terminal;

  private final String task;
  private final long total;
  private final String unit;
  private final long start = System.nanoTime();
  private final long logEveryNanos;
  private long done;
  private long lastDraw;
  private long lastLog;
  private String status = "";

  public ProgressReporter(String task, long total, String unit, Duration logEvery) {
    this.task = task;
    this.total = total;
    this.unit = unit;
    this.logEveryNanos = logEvery.toNanos();
    this.lastLog = start;
  }

  /** The launcher installs a terminal writer when stderr is a console; library code never prints. */
  public static void terminal(Consumer<String> writer) {
    terminal = writer;
  }

  @Override
  public synchronized void advance(long n) {
    done += n;
    long now = System.nanoTime();
    Consumer<String> t = terminal;
    if (t != null) {
      if (now - lastDraw > 200_000_000L || done >= total) {
        lastDraw = now;
        t.accept("\r" + line(now, true));
      }
    } else if (now - lastLog >= logEveryNanos) {
      lastLog = now;
      LOG.info(line(now, false));
    }
  }

  @Override
  public synchronized void status(String s) {
    this.status = s == null ? "" : s;
  }

  @Override
  public synchronized void close() {
    long now = System.nanoTime();
    Consumer<String> t = terminal;
    if (t != null) {
      t.accept("\r" + line(now, true) + "\n");
    }
    LOG.info("{} finished: {} {} in {}{}", task, done, unit, fmt((now - start) / 1e9),
        status.isEmpty() ? "" : " (" + status + ")");
  }

  private String line(long now, boolean bar) {
    double secs = Math.max(1e-9, (now - start) / 1e9);
    double rate = done / secs;
    var sb = new StringBuilder();
    sb.append('[').append(task).append("] ");
    if (total > 0) {
      double f = Math.min(1.0, (double) done / total);
      if (bar) {
        int w = 24;
        int filled = (int) Math.round(f * w);
        sb.append('|').append("#".repeat(filled)).append(".".repeat(w - filled)).append("| ");
      }
      sb.append(String.format("%3.0f%% %d/%d %s", f * 100, done, total, unit));
      double eta = rate > 0 ? (total - done) / rate : Double.NaN;
      sb.append(String.format(" %.1f %s/s ETA %s", rate, unit, Double.isNaN(eta) ? "?" : fmt(eta)));
    } else {
      sb.append(done).append(' ').append(unit).append(String.format(" %.1f %s/s", rate, unit));
    }
    if (!status.isEmpty()) {
      sb.append("  ").append(status);
    }
    return sb.toString();
  }

  private static String fmt(double secs) {
    long s = Math.round(secs);
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
  }
}
