package org.align4j.launcher.data;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.align4j.api.Align4jException;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.toolkit.io.AtomicFiles;
import org.align4j.plugins.data.sources.DataFiles;
import org.align4j.toolkit.data.RowReader;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code align4j data convert IN OUT}: any supported format to any other, streamed, written atomically. */
@Command(name = "convert", mixinStandardHelpOptions = true,
    description = {"Convert a dataset between formats, streaming; the output format comes from OUT's extension:",
        ".arrow (IPC file), .arrows (IPC stream), .parquet, .jsonl, .jsonl.gz.",
        "--shape maps public shapes (chat messages, ShareGPT, TRL prompt/chosen/rejected, Anthropic HH, Llama 2 ratings)",
        "to align4j's conversations or preferences schema."})
public final class DataConvertCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN", description = "input dataset")
  Path in;

  @Parameters(index = "1", paramLabel = "OUT", description = "output file")
  Path out;

  @Option(names = "--shape", description = "raw, auto, conversations, preferences (JSONL default: auto; others: raw)")
  String shape;

  @Option(names = "--on-error", defaultValue = "fail", description = "fail or skip malformed rows (default: ${DEFAULT-VALUE})")
  String onError;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    try (ArrowDatasetStore store = DataIo.store()) {
      // the allocator is a resource too: a leak it reports on close after a failed read must not hide the failure
      try (BufferAllocator a = store.allocator().newChildAllocator("convert", 0, Long.MAX_VALUE);
          ArrowReader r = DataIo.open(store, in, shape, onError, a)) {
        var format = DataFiles.formatOf(out);
        // the output is replaced only once the new one is complete; a failure leaves no temporary file behind
        long rows = AtomicFiles.writeFile(out, tmp -> DataFiles.write(r, tmp, format, a));
        o.println("wrote " + rows + " rows to " + out);
        if (r instanceof RowReader rr && rr.skipped() != null && rr.skipped().count() > 0) {
          spec.commandLine().getErr().println(rr.skipped().summary());
        }
      }
      o.flush();
      return 0;
    } catch (Align4jException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("align4j data convert: " + e.getMessage());
      return 2;
    }
  }
}
