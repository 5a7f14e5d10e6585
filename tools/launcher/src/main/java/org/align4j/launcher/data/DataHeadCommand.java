package org.align4j.launcher.data;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.align4j.api.Align4jException;
import org.align4j.api.data.RowStream;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.toolkit.data.RowStreams;
import org.apache.arrow.memory.BufferAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code align4j data head FILE}: the first rows as JSON lines. */
@Command(name = "head", mixinStandardHelpOptions = true,
    description = "Print the first rows of a dataset as JSON lines (long strings and lists shortened unless --full).")
public final class DataHeadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "dataset: Arrow IPC file/stream/directory, Parquet, JSONL(.gz)")
  Path file;

  @Option(names = {"-n", "--rows"}, defaultValue = "5", description = "rows to print (default: ${DEFAULT-VALUE})")
  int rows;

  @Option(names = "--shape", description = "map to a schema while reading: raw, auto, conversations, preferences")
  String shape;

  @Option(names = "--full", description = "print values in full")
  boolean full;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (ArrowDatasetStore store = DataIo.store()) {
      BufferAllocator a = store.allocator().newChildAllocator("head", 0, Long.MAX_VALUE);
      try (RowStream s = RowStreams.of(DataIo.open(store, file, shape, "fail", a))) {
        var mapper = JsonMapper.builder().build();
        for (int i = 0; i < rows && s.hasNext(); i++) {
          Object row = full ? s.next() : shorten(s.next());
          StringWriter sw = new StringWriter();
          try (JsonGenerator g = mapper.getFactory().createGenerator(sw)) {
            mapper.writeValue(g, row);
          }
          out.println(sw);
        }
      } finally {
        a.close();
      }
      out.flush();
      return 0;
    } catch (Align4jException e) {
      spec.commandLine().getErr().println("align4j data head: " + e.getMessage());
      return 2;
    }
  }

  static Object shorten(Object v) {
    if (v instanceof String s) {
      return s.length() > 200 ? s.substring(0, 200) + "...(" + s.length() + " chars)" : s;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> o = new LinkedHashMap<>();
      m.forEach((k, x) -> o.put(String.valueOf(k), shorten(x)));
      return o;
    }
    if (v instanceof List<?> l) {
      List<Object> o = new ArrayList<>();
      for (int i = 0; i < Math.min(l.size(), 32); i++) {
        o.add(shorten(l.get(i)));
      }
      if (l.size() > 32) {
        o.add("...(" + l.size() + " items)");
      }
      return o;
    }
    return v;
  }
}
