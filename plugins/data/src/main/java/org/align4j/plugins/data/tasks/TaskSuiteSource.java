package org.align4j.plugins.data.tasks;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.data.DataSourceProvider;
import org.align4j.api.data.Schemas;
import org.align4j.toolkit.data.RowReader;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/** {@code task-suite}: the generated tasks as a data source (no file). */
public final class TaskSuiteSource implements DataSourceProvider<TaskSuiteSource.Options> {
  public static final List<String> SPLITS = List.of("sft", "prompts", "eval_prompts", "gatt", "preferences", "corpus");

  public record Options(
      @Default("sft") @Doc("sft | prompts | eval_prompts | gatt | preferences | corpus") String split,
      @Default("1000") @Doc("number of rows") long rows,
      @Default("17") @Doc("generator seed") long seed,
      @Default("[arithmetic, instruction, dialogue, safety]") @Doc("task domains") List<String> domains,
      @Default("10") @Doc("largest operand of sums and word problems") int maxOperand,
      @Default("3") @Doc("most user turns of training dialogues") int maxTurns,
      @Default("6") @Doc("most user turns of held-out dialogue prompts") int evalMaxTurns,
      @Default("0.1") @Doc("fraction of the prompt space held out for evaluation") double holdoutFraction,
      @Default("256") @Doc("rows per batch") int batchSize,
      @Default("[]") @Doc("task kinds to keep (see the tasks stage)") List<String> kinds) {
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
      if (domains == null) {
        domains = TaskSuite.DOMAINS;
      }
      kinds = kinds == null ? List.of() : kinds;
      new TaskSuite.Config(domains, maxOperand, maxTurns, evalMaxTurns, holdoutFraction, kinds);
    }

    TaskSuite.Config config() {
      return new TaskSuite.Config(domains, maxOperand, maxTurns, evalMaxTurns, holdoutFraction, kinds);
    }
  }

  @Override
  public String id() {
    return "task-suite";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public String description() {
    return "generated verifiable tasks (sft conversations, prompts, held-out prompts, preferences, corpus)";
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
    TaskSuite suite = new TaskSuite(o.config());
    return new RowReader(allocator, schema(o.split()), rows(suite, o.split(), o.seed(), o.rows()), o.batchSize());
  }
}
