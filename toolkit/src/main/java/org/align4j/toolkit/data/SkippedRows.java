package org.align4j.toolkit.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows a source skipped under {@code on_error: skip}: counted, with the first problems kept, and logged as
 * a warning when the reader closes (never silent). Thread-confined.
 */
public final class SkippedRows {
  private static final int KEEP = 5;
  private final String source;
  private final List<String> examples = new ArrayList<>();
  private long count;

  public SkippedRows(String source) {
    this.source = source;
  }

  /** Records one skipped row; {@code problem} names the row (line) and field. */
  public void add(String problem) {
    count++;
    if (examples.size() < KEEP) {
      examples.add(problem);
    }
  }

  public long count() {
    return count;
  }

  /** The first few problems. */
  public List<String> examples() {
    return List.copyOf(examples);
  }

  /** e.g. {@code data.jsonl: skipped 3 bad rows (on_error: skip); first: line 7: field 'messages[1].role' ...}. */
  public String summary() {
    return source + ": skipped " + count + " bad row" + (count == 1 ? "" : "s") + " (on_error: skip)"
        + (examples.isEmpty() ? "" : "; first: " + String.join(" | ", examples));
  }
}
