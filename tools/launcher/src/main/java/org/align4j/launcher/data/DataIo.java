package org.align4j.launcher.data;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.align4j.api.Align4jException;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.plugins.data.sources.ArrowSource;
import org.align4j.plugins.data.sources.ColumnarOptions;
import org.align4j.plugins.data.sources.JsonlSource;
import org.align4j.plugins.data.sources.ParquetSource;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import picocli.CommandLine.Model.CommandSpec;

/** Opens any dataset the data commands accept. */
final class DataIo {
  private DataIo() {}

  /**
   * @param shape raw | auto | conversations | preferences (JSONL default auto; columnar files default raw)
   */
  static ArrowReader open(ArrowDatasetStore store, Path path, String shape, String onError, BufferAllocator allocator)
      throws IOException {
    if (!Files.exists(path)) {
      throw new Align4jException(path + ": no such file or directory");
    }
    if (Files.isDirectory(path)) {
      return store.open(path);
    }
    ArrowSource arrow = new ArrowSource();
    ParquetSource parquet = new ParquetSource();
    JsonlSource jsonl = new JsonlSource();
    String s = shape;
    if (parquet.recognizes(path)) {
      return parquet.open(path, new ColumnarOptions(s == null ? "raw" : s, onError, 1024), allocator);
    }
    if (jsonl.recognizes(path)) {
      return jsonl.open(path, new JsonlSource.Options(s == null ? "auto" : s, onError, 1024, 1000), allocator);
    }
    if (arrow.recognizes(path)) {
      return arrow.open(path, new ColumnarOptions(s == null ? "raw" : s, onError, 1024), allocator);
    }
    throw new Align4jException(path + ": unknown format; expected Arrow IPC (file or stream), Parquet, .jsonl or .jsonl.gz");
  }

  /** What a data command does with an open store, an allocator of its own and the output. */
  interface Body {
    void run(ArrowDatasetStore store, BufferAllocator allocator, PrintWriter out) throws Exception;
  }

  /**
   * Runs {@code align4j data <command>}: exit code 0 once {@code body} has written and flushed its output; 2
   * with a one-line {@code align4j data <command>: <message>} on stderr when it fails with an
   * {@link Align4jException}. The allocator is closed as a resource, so a leak it reports after a failed read
   * is added to that failure instead of hiding it.
   */
  static int run(CommandSpec spec, String command, Body body) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (ArrowDatasetStore store = store();
        BufferAllocator a = store.allocator().newChildAllocator(command, 0, Long.MAX_VALUE)) {
      body.run(store, a, out);
      out.flush();
      return 0;
    } catch (Align4jException e) {
      spec.commandLine().getErr().println("align4j data " + command + ": " + e.getMessage());
      return 2;
    }
  }

  static ArrowDatasetStore store() {
    try {
      return new ArrowDatasetStore();
    } catch (Align4jException e) {
      throw e;
    } catch (RuntimeException | LinkageError e) {
      throw new Align4jException("cannot start Arrow: " + e + ". Run java with --add-opens=java.base/java.nio=ALL-UNNAMED");
    }
  }
}
