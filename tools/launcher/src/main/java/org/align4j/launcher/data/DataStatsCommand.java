package org.align4j.launcher.data;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.align4j.api.data.Schemas;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code align4j data stats FILE}: rows, schema, nulls per column; for tokenized data the token length
 * histogram and the share of loss tokens; for conversations the number of messages per row. Streams.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = {"Rows, schema and null counts of a dataset; value counts of category-like string columns",
        "(rating, domain, task ...); for tokenized data (input_ids) a token length histogram and the share of",
        "loss tokens; for conversations (messages) messages per row."})
public final class DataStatsCommand implements Callable<Integer> {
  /** String columns with at most this many distinct values are shown as value counts. */
  static final int MAX_VALUES = 24;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "dataset: Arrow IPC file/stream/directory, Parquet, JSONL(.gz)")
  Path file;

  @Option(names = "--shape", description = "map to a schema while reading: raw, auto, conversations, preferences")
  String shape;

  @Option(names = "--bins", defaultValue = "10", description = "histogram bins (default: ${DEFAULT-VALUE})")
  int bins;

  @Override
  public Integer call() throws Exception {
    return DataIo.run(spec, "stats", (store, a, out) -> {
      try (ArrowReader r = DataIo.open(store, file, shape, "fail", a)) {
        VectorSchemaRoot root = r.getVectorSchemaRoot();
        List<Field> fields = root.getSchema().getFields();
        Map<String, Long> nulls = new LinkedHashMap<>();
        fields.forEach(f -> nulls.put(f.getName(), 0L));
        long rows = 0;
        Histogram tokens = new Histogram();
        Histogram messages = new Histogram();
        long lossTokens = 0;
        Map<String, Map<String, Long>> values = new LinkedHashMap<>();
        for (Field f : fields) {
          if (f.getType() instanceof org.apache.arrow.vector.types.pojo.ArrowType.Utf8) {
            values.put(f.getName(), new java.util.TreeMap<>());
          }
        }
        while (r.loadNextBatch()) {
          int n = root.getRowCount();
          rows += n;
          for (FieldVector v : root.getFieldVectors()) {
            nulls.merge(v.getName(), (long) v.getNullCount(), Long::sum);
          }
          for (var it = values.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            var v = (org.apache.arrow.vector.VarCharVector) root.getVector(e.getKey());
            for (int i = 0; i < n; i++) {
              String key = v.isNull(i) ? "(null)" : new String(v.get(i), java.nio.charset.StandardCharsets.UTF_8);
              e.getValue().merge(key.length() > 40 ? key.substring(0, 40) + "..." : key, 1L, Long::sum);
            }
            if (e.getValue().size() > MAX_VALUES) {
              it.remove(); // free text, not a category
            }
          }
          if (root.getVector(Schemas.INPUT_IDS) instanceof ListVector ids) {
            for (int i = 0; i < n; i++) {
              if (!ids.isNull(i)) {
                tokens.add(ids.getElementEndIndex(i) - ids.getElementStartIndex(i));
              }
            }
          }
          if (root.getVector(Schemas.LOSS_MASK) instanceof ListVector mask) {
            var data = mask.getDataVector();
            for (int i = 0; i < data.getValueCount(); i++) {
              Object o = data.getObject(i);
              if (o instanceof Number num && num.intValue() != 0) {
                lossTokens++;
              }
            }
          }
          if (root.getVector(Schemas.MESSAGES) instanceof ListVector msgs) {
            for (int i = 0; i < n; i++) {
              if (!msgs.isNull(i)) {
                messages.add(msgs.getElementEndIndex(i) - msgs.getElementStartIndex(i));
              }
            }
          }
        }
        out.println("file:    " + file + (Files.isRegularFile(file) ? " (" + Files.size(file) + " bytes)" : ""));
        out.println("rows:    " + rows);
        out.println("schema:");
        for (Field f : fields) {
          out.printf("  %-16s %-48s nulls %d%n", f.getName(), typeString(f), nulls.get(f.getName()));
        }
        if (root.getSchema().getCustomMetadata() != null && !root.getSchema().getCustomMetadata().isEmpty()) {
          out.println("metadata keys: " + root.getSchema().getCustomMetadata().keySet());
        }
        for (var e : values.entrySet()) {
          StringBuilder sb = new StringBuilder("values of " + e.getKey() + ":");
          e.getValue().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
              .forEach(x -> sb.append(' ').append(x.getKey()).append('=').append(x.getValue()));
          out.println(sb);
        }
        if (tokens.count > 0) {
          out.printf("tokens:  total %d, per row min %d mean %.1f max %d; loss tokens %.1f%%%n", tokens.sum, tokens.min,
              tokens.mean(), tokens.max, tokens.sum == 0 ? 0.0 : 100.0 * lossTokens / tokens.sum);
          out.println("token length histogram:");
          tokens.print(out, bins);
        }
        if (messages.count > 0) {
          out.printf("messages per row: min %d mean %.2f max %d%n", messages.min, messages.mean(), messages.max);
        }
      }
    });
  }

  static String name(org.apache.arrow.vector.types.pojo.ArrowType t) {
    if (t instanceof org.apache.arrow.vector.types.pojo.ArrowType.Int i) {
      return (i.getIsSigned() ? "int" : "uint") + i.getBitWidth();
    }
    if (t instanceof org.apache.arrow.vector.types.pojo.ArrowType.FloatingPoint fp) {
      return switch (fp.getPrecision()) {
        case HALF -> "float16";
        case SINGLE -> "float32";
        default -> "float64";
      };
    }
    return t.toString().toLowerCase();
  }

  static String typeString(Field f) {
    if (f.getChildren().isEmpty()) {
      return name(f.getType());
    }
    StringBuilder sb = new StringBuilder(name(f.getType())).append('<');
    for (int i = 0; i < f.getChildren().size(); i++) {
      Field c = f.getChildren().get(i);
      if (i > 0) {
        sb.append(", ");
      }
      if (f.getType() instanceof org.apache.arrow.vector.types.pojo.ArrowType.Struct) {
        sb.append(c.getName()).append(": ");
      }
      sb.append(typeString(c));
    }
    return sb.append('>').toString();
  }

  /** Counts values; prints equal-width bins between min and max. */
  static final class Histogram {
    long count;
    long sum;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    final java.util.List<Integer> values = new java.util.ArrayList<>();
    private long[] coarse;

    void add(long v) {
      count++;
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
      if (values.size() < 1_000_000) {
        values.add((int) Math.min(Integer.MAX_VALUE, v));
      }
    }

    double mean() {
      return count == 0 ? 0 : (double) sum / count;
    }

    void print(PrintWriter out, int bins) {
      long lo = min;
      long width = Math.max(1, (max - min + bins) / bins);
      coarse = new long[bins];
      for (int v : values) {
        coarse[(int) Math.min(bins - 1, (v - lo) / width)]++;
      }
      long peak = java.util.Arrays.stream(coarse).max().orElse(1);
      for (int b = 0; b < bins; b++) {
        long from = lo + b * width;
        long to = b == bins - 1 ? max : from + width - 1;
        if (from > max) {
          break;
        }
        int bar = (int) Math.round(40.0 * coarse[b] / Math.max(1, peak));
        out.printf("  %6d-%-6d %8d %s%n", from, to, coarse[b], "#".repeat(bar));
      }
      if (values.size() < count) {
        out.println("  (histogram of the first " + values.size() + " rows)");
      }
    }
  }
}
