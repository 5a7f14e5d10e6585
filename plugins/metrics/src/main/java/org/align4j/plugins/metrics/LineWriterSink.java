package org.align4j.plugins.metrics;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.align4j.api.metrics.MetricsSink;

/** A sink that appends one formatted text line per scalar to a file (resumed runs append). */
final class LineWriterSink implements MetricsSink {
  /** Formats one scalar as a line (without the newline). */
  interface Format {
    String line(String stage, String name, long step, double value, long wallMillis);
  }

  private final BufferedWriter out;
  private final Format format;

  LineWriterSink(Path file, String header, Format format) throws IOException {
    boolean fresh = !Files.exists(file) || Files.size(file) == 0;
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    this.format = format;
    if (fresh && header != null) {
      out.write(header);
      out.write('\n');
    }
  }

  @Override
  public void scalar(String stage, String name, long step, double value, long wallMillis) {
    try {
      out.write(format.line(stage, name, step, value, wallMillis));
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void flush() {
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
