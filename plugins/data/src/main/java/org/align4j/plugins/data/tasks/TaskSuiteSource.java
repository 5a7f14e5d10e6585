package org.align4j.plugins.data.tasks;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DataSourceProvider;
import org.align4j.api.data.Schemas;
import org.align4j.toolkit.data.RowReader;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/** {@code task-suite}: the generated tasks as a data source (no file). */
@ProviderInfo(id = "task-suite",
    description = "generated verifiable tasks (sft conversations, prompts, held-out prompts, preferences, corpus)")
public final class TaskSuiteSource implements DataSourceProvider<TaskSuiteSource.Options> {
  public static final List<String> SPLITS = List.of("sft", "prompts", "eval_prompts", "gatt", "preferences", "corpus");

  public record Options(
      @Default("sft") @Doc("sft | prompts | eval_prompts | gatt | preferences | corpus") String split,
      @Default("1000") @Doc("number of rows") long rows,
      @Default("17") @Doc("generator seed") long seed,
      @Doc("domains, max_operand, max_turns, eval_max_turns, holdout_fraction, kinds") @Flat TaskSuite.Config suite,
      @Default("256") @Doc("rows per batch") int batchSize) {
    public Options {
      if (split == null || !SPLITS.contains(split)) {
        throw new IllegalArgumentException("split must be one of " + SPLITS + ", got '" + split + "'");
      }
      if (rows < 0) {
        throw new IllegalArgumentException("rows must be >= 0, got " + rows);
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
      }
      if (suite == null) {
        throw new IllegalArgumentException("the task suite's options are required");
      }
    }
  }

  /** The schema of a split. */
  public static Schema schema(String split) {
    return switch (split) {
      case "preferences" -> TaskSuite.PREFERENCE_SCHEMA;
      case "corpus" -> Schemas.TEXT;
      default -> TaskSuite.TASK_SCHEMA;
    };
  }

  /** The rows of a split. */
  public static Iterator<Map<String, Object>> rows(TaskSuite suite, String split, long seed, long n) {
    return switch (split) {
      case "sft" -> suite.rows(seed, false, true, n);
      case "prompts" -> suite.rows(seed, false, false, n);
      case "eval_prompts" -> suite.rows(seed, true, false, n);
      case "gatt" -> suite.gattRows(seed, n);
      case "preferences" -> suite.preferenceRows(seed, n, new Annotator(seed));
      case "corpus" -> suite.corpusRows(seed, n);
      default -> throw new IllegalArgumentException("unknown split " + split);
    };
  }

  @Override
  public ArrowReader open(Path file, Options o, BufferAllocator allocator) {
    TaskSuite suite = new TaskSuite(o.suite());
    return new RowReader(allocator, schema(o.split()), rows(suite, o.split(), o.seed(), o.rows()), o.batchSize());
  }
}
