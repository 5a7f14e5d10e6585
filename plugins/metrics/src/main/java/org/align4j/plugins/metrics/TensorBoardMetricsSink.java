package org.align4j.plugins.metrics;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.metrics.MetricsSink;
import org.align4j.api.metrics.MetricsSinkProvider;

/**
 * TensorBoard event files: {@code <run_dir>/tensorboard/<stage>/events.out.tfevents.*}, one TensorBoard "run"
 * per stage, a scalar summary per metric. Written directly in the TFRecord framing (length, masked CRC32C)
 * around {@code Event} protocol buffers, so no TensorFlow library is needed.
 */
@ProviderInfo(id = "tensorboard",
    description = "TensorBoard event files, one run per stage (tensorboard --logdir <run_dir>/tensorboard)")
public final class TensorBoardMetricsSink implements MetricsSinkProvider<TensorBoardMetricsSink.Options> {
  public record Options(@Doc("directory inside the run directory") @Default("tensorboard") String dir) {}

  @Override
  public MetricsSink open(Path runDir, Options o) throws IOException {
    Path root = runDir.resolve(o.dir());
    Files.createDirectories(root);
    return new Sink(root);
  }

  private static final class Sink implements MetricsSink {
    private final Path root;
    private final Map<String, OutputStream> files = new LinkedHashMap<>();

    Sink(Path root) {
      this.root = root;
    }

    @Override
    public void scalar(String stage, String name, long step, double value, long wallMillis) {
      try {
        OutputStream out = files.get(stage);
        if (out == null) {
          Path dir = Files.createDirectories(root.resolve(stage.replaceAll("[^A-Za-z0-9_.-]", "_")));
          String host;
          try {
            host = InetAddress.getLocalHost().getHostName();
          } catch (IOException e) {
            host = "localhost";
          }
          out = new BufferedOutputStream(Files.newOutputStream(dir.resolve(
              "events.out.tfevents." + (wallMillis / 1000) + "." + host + "." + ProcessHandle.current().pid())));
          files.put(stage, out);
          record(out, event(wallMillis / 1000.0, 0, "brain.Event:2", null, 0));
        }
        record(out, event(wallMillis / 1000.0, step, null, name, (float) value));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void flush() {
      files.values().forEach(o -> {
        try {
          o.flush();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }

    @Override
    public void close() {
      for (OutputStream o : files.values()) {
        try {
          o.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      files.clear();
    }
  }

  /** An {@code Event} message: wall_time (1), step (2), file_version (3) or summary (5) with one simple_value. */
  static byte[] event(double wallTime, long step, String fileVersion, String tag, float value) {
    var b = new ByteArrayOutputStream();
    b.write(0x09);
    writeFixed64(b, Double.doubleToLongBits(wallTime));
    b.write(0x10);
    writeVarint(b, step);
    if (fileVersion != null) {
      writeBytes(b, 0x1a, fileVersion.getBytes(StandardCharsets.UTF_8));
    } else {
      var v = new ByteArrayOutputStream();
      writeBytes(v, 0x0a, tag.getBytes(StandardCharsets.UTF_8));
      v.write(0x15);
      writeFixed32(v, Float.floatToIntBits(value));
      var s = new ByteArrayOutputStream();
      writeBytes(s, 0x0a, v.toByteArray());
      writeBytes(b, 0x2a, s.toByteArray());
    }
    return b.toByteArray();
  }

  /** TFRecord framing: length (u64 LE), masked crc of the length, data, masked crc of the data. */
  static void record(OutputStream out, byte[] data) throws IOException {
    byte[] len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
    out.write(len);
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maskedCrc(len)).array());
    out.write(data);
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maskedCrc(data)).array());
  }

  static int maskedCrc(byte[] data) {
    var c = new CRC32C();
    c.update(data);
    int crc = (int) c.getValue();
    return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
  }

  private static void writeBytes(ByteArrayOutputStream b, int tag, byte[] bytes) {
    b.write(tag);
    writeVarint(b, bytes.length);
    b.writeBytes(bytes);
  }

  private static void writeVarint(ByteArrayOutputStream b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.write((int) v);
  }

  private static void writeFixed64(ByteArrayOutputStream b, long v) {
    for (int i = 0; i < 8; i++) {
      b.write((int) (v >>> (8 * i)));
    }
  }

  private static void writeFixed32(ByteArrayOutputStream b, int v) {
    for (int i = 0; i < 4; i++) {
      b.write(v >>> (8 * i));
    }
  }
}
