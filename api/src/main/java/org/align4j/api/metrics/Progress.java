package org.align4j.api.metrics;

/** Progress of one long task. Closing it finishes the bar / prints the final line. */
public interface Progress extends AutoCloseable {
  /** Marks {@code n} more units done. */
  void advance(long n);

  /** A short status shown next to the bar (e.g. {@code loss 2.31}). */
  void status(String status);

  @Override
  void close();
}
