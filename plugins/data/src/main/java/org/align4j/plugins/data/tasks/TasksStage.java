package org.align4j.plugins.data.tasks;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.stage.StagePort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tasks}: generates the task-suite datasets. Outputs (Arrow IPC files unless noted):
 * <ul>
 *   <li>{@code sft}: conversations with reference answers ({@link TaskSuite#TASK_SCHEMA});
 *   <li>{@code eval_prompts}: held-out prompts (conversation ending with the user turn) with the task
 *       fields a {@code task-suite} reward needs;
 *   <li>{@code prompts}: training prompts (same schema) for rejection sampling, PPO, preference collection;
 *   <li>{@code gatt}: dialogues without the system message, the instruction in {@code system};
 *   <li>{@code gatt_eval}: held-out dialogues of the same shape with exactly {@code gatt_eval_turns} user turns
 *       (adherence by turn number);
 *   <li>{@code preferences}: synthetic pairs (reference/corrupted answers) rated by the seeded
 *       {@link Annotator} ({@link TaskSuite#PREFERENCE_SCHEMA});
 *   <li>{@code corpus}: a plain-text pretraining corpus ({@code text} column);
 *   <li>{@code corpus_text}: the same documents as a UTF-8 text file, one document per paragraph
 *       (documents separated by an empty line), for tokenizer training.
 * </ul>
 * The runner gives every output a path (the recipe's, or {@code <id>/<output>}), so the counts decide what
 * is written: an output whose count option is 0 is not written at all (no empty dataset; {@code corpus} and
 * {@code corpus_text} share {@code corpus_documents}). Set the counts of the outputs a recipe does not use
 * to 0, as {@code recipes/quickstart.yaml} does. A context that refuses an output name is also respected.
 */
@ProviderInfo(id = "tasks",
    description = "generates the verifiable task suite: SFT data, prompts, held-out prompts, preferences, corpus")
public final class TasksStage implements Stage<TasksStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(TasksStage.class);

  public record Options(
      @Default("4000") @Doc("SFT conversations") long sftExamples,
      @Default("1000") @Doc("training prompts (no answers)") long trainPrompts,
      @Default("400") @Doc("held-out evaluation prompts") long evalPrompts,
      @Doc("gatt_dialogues, gatt_max_turns, gatt_eval_dialogues, gatt_eval_turns") @Flat Gatt gatt,
      @Default("2000") @Doc("synthetic preference pairs") long preferencePairs,
      @Default("20000") @Doc("pretraining corpus documents") long corpusDocuments,
      @Doc("domains, max_operand, max_turns, eval_max_turns, holdout_fraction, kinds") @Flat TaskSuite.Config suite,
      @Default("0.1") @Doc("annotator noise: std of the Gaussian added to each true reward") double annotatorNoise,
      @Default("1.0") @Doc("probability that the annotator edits an imperfect chosen answer (Llama 3)") double editProbability,
      @Doc("generator seed; default: the stage seed") Long seed) {
    public Options {
      refuseNegative(Map.of("sft_examples", sftExamples, "train_prompts", trainPrompts, "eval_prompts", evalPrompts,
          "preference_pairs", preferencePairs, "corpus_documents", corpusDocuments));
      if (suite == null || gatt == null) {
        throw new IllegalArgumentException("the task suite's and the GAtt outputs' options are required");
      }
      new Annotator(0, annotatorNoise, editProbability, new double[] {0.5, 0.25, 0.1});
    }

    public static Options defaults() {
      return new Options(4000, 1000, 400, new Gatt(500, 0, 0, 8), 2000, 20000,
          new TaskSuite.Config(TaskSuite.DOMAINS, 10, 3, 6, 0.1), 0.1, 1.0, null);
    }
  }

  /** The sizes of the two GAtt outputs, {@code gatt} and {@code gatt_eval}; their keys stand directly under {@code options:}. */
  public record Gatt(
      @Default("500") @Doc("GAtt dialogues") long gattDialogues,
      @Default("0") @Doc("most user turns of a GAtt dialogue (0: max_turns)") int gattMaxTurns,
      @Default("0") @Doc("held-out GAtt dialogues for adherence by turn (output gatt_eval)") long gattEvalDialogues,
      @Default("8") @Doc("user turns of each held-out GAtt dialogue") int gattEvalTurns) {
    public Gatt {
      refuseNegative(Map.of("gatt_dialogues", gattDialogues, "gatt_eval_dialogues", gattEvalDialogues));
      if (gattMaxTurns != 0 && (gattMaxTurns < 2 || gattMaxTurns > 64)) {
        throw new IllegalArgumentException("gatt_max_turns must be 0 (max_turns) or in [2, 64], got " + gattMaxTurns);
      }
      if (gattEvalTurns < 1 || gattEvalTurns > 64) {
        throw new IllegalArgumentException("gatt_eval_turns must be in [1, 64], got " + gattEvalTurns);
      }
    }
  }

  private static void refuseNegative(Map<String, Long> counts) {
    for (var e : counts.entrySet()) {
      if (e.getValue() < 0) {
        throw new IllegalArgumentException(e.getKey() + " must be >= 0, got " + e.getValue());
      }
    }
  }

  @Override
  public List<Port> outputs() {
    return List.of(
        Port.optional("sft", "conversations with reference answers").withSchema(TaskSuite.TASK_SCHEMA),
        Port.optional("eval_prompts", "held-out prompts with task metadata for the task-suite reward")
            .withSchema(TaskSuite.TASK_SCHEMA),
        Port.optional("prompts", "training prompts with task metadata").withSchema(TaskSuite.TASK_SCHEMA),
        Port.optional("gatt", "multi-turn dialogues with their system instruction in `system`").withSchema(TaskSuite.TASK_SCHEMA),
        Port.optional("gatt_eval", "held-out dialogues of gatt_eval_turns user turns, the instruction in `system`")
            .withSchema(TaskSuite.TASK_SCHEMA),
        Port.optional("preferences", "synthetic preference pairs rated by the seeded annotator")
            .withSchema(TaskSuite.PREFERENCE_SCHEMA),
        Port.optional("corpus", "plain-text pretraining corpus (Arrow, column text)").withSchema(Schemas.TEXT),
        Port.optional("corpus_text", "the corpus as a UTF-8 text file, documents separated by empty lines"));
  }

  @Override
  public void run(StageContext context, Options o) throws Exception {
    DatasetStore ds = context.service(DatasetStore.class);
    long seed = o.seed() != null ? o.seed() : context.seed();
    TaskSuite suite = new TaskSuite(o.suite());
    Annotator annotator = new Annotator(seed + 5, o.annotatorNoise(), o.editProbability(), new double[] {0.5, 0.25, 0.1});
    writeIfWanted(context, ds, "sft", TaskSuite.TASK_SCHEMA, o.sftExamples(), () -> suite.rows(seed + 1, false, true, o.sftExamples()));
    writeIfWanted(context, ds, "prompts", TaskSuite.TASK_SCHEMA, o.trainPrompts(), () -> suite.rows(seed + 2, false, false, o.trainPrompts()));
    writeIfWanted(context, ds, "eval_prompts", TaskSuite.TASK_SCHEMA, o.evalPrompts(), () -> suite.rows(seed + 3, true, false, o.evalPrompts()));
    Gatt gatt = o.gatt();
    int gattTurns = gatt.gattMaxTurns() == 0 ? o.suite().maxTurns() : gatt.gattMaxTurns();
    writeIfWanted(context, ds, "gatt", TaskSuite.TASK_SCHEMA, gatt.gattDialogues(),
        () -> suite.gattRows(seed + 4, gatt.gattDialogues(), gattTurns));
    writeIfWanted(context, ds, "gatt_eval", TaskSuite.TASK_SCHEMA, gatt.gattEvalDialogues(),
        () -> suite.gattEvalRows(seed + 7, gatt.gattEvalDialogues(), gatt.gattEvalTurns()));
    writeIfWanted(context, ds, "preferences", TaskSuite.PREFERENCE_SCHEMA, o.preferencePairs(),
        () -> suite.preferenceRows(seed + 5, o.preferencePairs(), annotator));
    writeIfWanted(context, ds, "corpus", Schemas.TEXT, o.corpusDocuments(), () -> suite.corpusRows(seed + 6, o.corpusDocuments()));
    Path text = o.corpusDocuments() == 0 ? null : declared(context, "corpus_text");
    if (text != null) {
      writeText(context, text, suite.corpusRows(seed + 6, o.corpusDocuments()));
    }
  }

  /** The output's path, or null when the recipe does not declare it. */
  static Path declared(StageContext context, String name) {
    try {
      return context.output(name);
    } catch (Align4jException e) {
      return null;
    }
  }

  /** Writes an output unless its count is 0 or the context refuses it. */
  private static void writeIfWanted(StageContext context, DatasetStore ds, String name,
      org.apache.arrow.vector.types.pojo.Schema schema, long count,
      java.util.function.Supplier<Iterator<Map<String, Object>>> rows) throws java.io.IOException {
    Path out = count == 0 ? null : declared(context, name);
    if (out == null) {
      return;
    }
    long n = ds.write(out, schema, rows.get());
    context.metrics().scalar("tasks/" + name + "_rows", n, 0);
    LOG.info("tasks: wrote {} rows to {}", n, out);
  }

  /** Writes documents separated by an empty line, atomically (see {@link StageContext#writeAtomically}). */
  static void writeText(StageContext context, Path out, Iterator<Map<String, Object>> docs) throws java.io.IOException {
    context.writeAtomically(out, stream -> {
      BufferedWriter w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8.newEncoder()));
      boolean first = true;
      while (docs.hasNext()) {
        if (!first) {
          w.write("\n\n");
        }
        first = false;
        w.write((String) docs.next().get(Schemas.TEXT_COLUMN));
      }
      w.write("\n");
      w.flush();
    });
  }
}
