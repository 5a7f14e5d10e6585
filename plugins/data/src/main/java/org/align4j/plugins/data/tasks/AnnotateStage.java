package org.align4j.plugins.data.tasks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.DatasetWriter;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code annotate}: the seeded stand-in for Llama 2's weekly human preference collection. Reads model
 * samples (the samples schema plus the task fields the prompts carried: {@code domain, task, reference,
 * check}), groups consecutive rows with the same prompt, pairs their first two distinct responses, and
 * writes preference rows rated by the {@link Annotator} from the true task reward (plus noise), with
 * safety labels and Llama 3 edited responses.
 */
@ProviderInfo(id = "annotate",
    description = "rates pairs of model samples into Llama 2 style preference rows with the task suite's true reward")
@StagePort(input = "samples", description = "samples (prompt, response, ...) with the task fields of their prompts")
public final class AnnotateStage implements Stage<AnnotateStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(AnnotateStage.class);

  /** The output carries a schema, which a {@code @StagePort} cannot: declared here, beside the input on the class. */
  @Override
  public List<Port> outputs() {
    return List.of(Port.required("preferences", "preference rows (TaskSuite.PREFERENCE_SCHEMA)")
        .withSchema(TaskSuite.PREFERENCE_SCHEMA));
  }

  public record Options(
      @Default("0.1") @Doc("std of the Gaussian noise added to each true reward") double noise,
      @Default("1.0") @Doc("probability of editing an imperfect chosen response into the reference (Llama 3)") double editProbability,
      @Default("[0.5, 0.25, 0.1]") @Doc("noisy reward gaps for significantly better, better, slightly better") List<Double> thresholds,
      @Doc("annotator seed; default: the stage seed") Long seed) {
    public Options {
      if (thresholds == null) {
        thresholds = List.of(0.5, 0.25, 0.1);
      }
      new Annotator(0, noise, editProbability, array(thresholds));
    }

    static double[] array(List<Double> t) {
      return t.stream().mapToDouble(Double::doubleValue).toArray();
    }
  }

  @Override
  public void run(StageContext context, Options o) throws Exception {
    DatasetStore ds = context.service(DatasetStore.class);
    Annotator annotator = new Annotator(o.seed() != null ? o.seed() : context.seed(), o.noise(), o.editProbability(),
        Options.array(o.thresholds()));
    Path out = context.output("preferences");
    long pairs = 0;
    long prompts = 0;
    try (RowStream in = ds.rows(context.input("samples"));
        DatasetWriter w = ds.create(out, TaskSuite.PREFERENCE_SCHEMA)) {
      Object currentPrompt = null;
      List<Map<String, Object>> group = new ArrayList<>();
      while (true) {
        Map<String, Object> row = in.hasNext() ? in.next() : null;
        if (row == null || !row.get(Schemas.PROMPT).equals(currentPrompt)) {
          if (!group.isEmpty()) {
            prompts++;
            Map<String, Object> pref = pair(group, annotator);
            if (pref != null) {
              w.write(pref);
              pairs++;
            }
          }
          if (row == null) {
            break;
          }
          group.clear();
          currentPrompt = row.get(Schemas.PROMPT);
        }
        group.add(row);
      }
      w.commit();
    }
    LOG.info("annotate: {} preference pairs from {} prompts", pairs, prompts);
    context.metrics().scalar("annotate/pairs", pairs, 0);
  }

  static Map<String, Object> pair(List<Map<String, Object>> group, Annotator annotator) {
    String a = (String) group.get(0).get(Schemas.RESPONSE);
    for (int i = 1; i < group.size(); i++) {
      String b = (String) group.get(i).get(Schemas.RESPONSE);
      if (b != null && !b.equals(a)) {
        List<Message> prompt = Rows.messages(group.get(0).get(Schemas.PROMPT));
        Map<String, String> meta = Rows.metadata(group.get(0));
        return annotator.annotate(prompt, meta, a, b);
      }
    }
    return null;
  }
}
