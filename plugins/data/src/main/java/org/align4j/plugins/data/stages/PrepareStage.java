package org.align4j.plugins.data.stages;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.stage.StagePort;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.plugins.data.transforms.Dedup;
import org.align4j.plugins.data.transforms.RowFilter;
import org.align4j.plugins.data.transforms.Sampling;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code prepare}: reusable dataset transforms as one stage: weighted mixing of up to four inputs
 * ({@code data}, {@code data2}.. with one schema), a filter expression, exact or MinHash near-duplicate
 * removal, a seeded shuffle, and a train/eval split.
 */
@ProviderInfo(id = "prepare", description = "mix, filter, de-duplicate, shuffle and split datasets")
@StagePort(input = "data", description = "dataset")
@StagePort(input = "data2", description = "dataset mixed in", required = false)
@StagePort(input = "data3", description = "dataset mixed in", required = false)
@StagePort(input = "data4", description = "dataset mixed in", required = false)
@StagePort(output = "train", description = "the prepared rows (all of them when eval_fraction is 0)")
@StagePort(output = "eval", description = "held-out rows (eval_fraction)", required = false)
public final class PrepareStage implements Stage<PrepareStage.Options> {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareStage.class);
  static final List<String> INPUTS = List.of("data", "data2", "data3", "data4");

  public record Options(
      @Doc("mixing weights, one per input in order (default: equal)") List<Double> weights,
      @Default("false") @Doc("mixing stops when the first input runs out (keeps proportions exact)") boolean stopOnFirstExhausted,
      @Doc("keep rows for which this expression is true, e.g. len(messages) >= 2") String filter,
      @Default("none") @Doc("none | exact | near (MinHash)") String dedup,
      @Doc("columns compared by dedup (default: messages, prompt+chosen, or text)") List<String> dedupColumns,
      @Default("0.8") @Doc("near dedup: estimated Jaccard similarity that counts as a duplicate") double nearThreshold,
      @Default("true") @Doc("shuffle with the stage seed") boolean shuffle,
      @Default("100000") @Doc("shuffle buffer in rows (memory bound; a dataset that fits is fully shuffled)") int shuffleBuffer,
      @Default("0.0") @Doc("fraction of rows for the eval output") double evalFraction) {
    public Options {
      dedup = dedup == null ? "none" : dedup.toLowerCase(Locale.ROOT);
      if (!List.of("none", "exact", "near").contains(dedup)) {
        throw new IllegalArgumentException("dedup must be none, exact or near, got '" + dedup + "'");
      }
      if (!(evalFraction >= 0 && evalFraction < 1)) {
        throw new IllegalArgumentException("eval_fraction must be in [0, 1), got " + evalFraction);
      }
      if (!(nearThreshold > 0 && nearThreshold <= 1)) {
        throw new IllegalArgumentException("near_threshold must be in (0, 1], got " + nearThreshold);
      }
      if (shuffleBuffer < 1) {
        throw new IllegalArgumentException("shuffle_buffer must be >= 1, got " + shuffleBuffer);
      }
      if (filter != null) {
        RowFilter.parse(filter);
      }
    }
  }

  @Override
  public void run(StageContext context, Options o) throws Exception {
    DatasetStore ds = context.service(DatasetStore.class);
    List<Path> paths = new ArrayList<>();
    for (String name : INPUTS) {
      context.optionalInput(name).ifPresent(paths::add);
    }
    if (o.weights() != null && o.weights().size() != paths.size()) {
      throw new Align4jException("stage '" + context.stageId() + "' (prepare): " + paths.size() + " inputs but "
          + o.weights().size() + " weights");
    }
    boolean wantEval = o.evalFraction() > 0;
    for (boolean eval : wantEval ? new boolean[] {false, true} : new boolean[] {false}) {
      List<RowStream> streams = new ArrayList<>();
      try {
        for (Path p : paths) {
          streams.add(ds.rows(p));
        }
        Schema schema = streams.get(0).schema();
        for (int i = 1; i < streams.size(); i++) {
          if (!streams.get(i).schema().equals(schema)) {
            throw new Align4jException("stage '" + context.stageId() + "' (prepare): input " + INPUTS.get(i) + " has schema "
                + streams.get(i).schema() + ", different from data's " + schema);
          }
        }
        long seed = context.seed();
        Iterator<Map<String, Object>> rows;
        if (streams.size() == 1) {
          rows = streams.get(0);
        } else {
          double[] w = o.weights() == null ? java.util.Collections.nCopies(streams.size(), 1.0).stream()
              .mapToDouble(Double::doubleValue).toArray() : o.weights().stream().mapToDouble(Double::doubleValue).toArray();
          rows = Sampling.mix(new ArrayList<Iterator<Map<String, Object>>>(streams), w, seed, o.stopOnFirstExhausted());
        }
        long[] dedupDropped = {0};
        if (o.filter() != null) {
          rows = RowFilter.parse(o.filter()).apply(rows);
        }
        if (o.dedup().equals("exact")) {
          rows = Dedup.exact(rows, Dedup.textOf(o.dedupColumns()), dedupDropped);
        } else if (o.dedup().equals("near")) {
          rows = Dedup.near(rows, Dedup.textOf(o.dedupColumns()), new Dedup.MinHash(5, 20, 6, o.nearThreshold(), seed),
              dedupDropped);
        }
        if (o.shuffle()) {
          rows = Sampling.shuffle(rows, seed + 1, o.shuffleBuffer());
        }
        if (wantEval) {
          rows = Sampling.split(rows, seed + 2, o.evalFraction(), eval);
        }
        String out = eval ? "eval" : "train";
        Path target;
        try {
          target = context.output(out);
        } catch (Align4jException e) {
          if (eval) {
            continue; // eval not declared
          }
          throw e;
        }
        long n = ds.write(target, schema, rows);
        LOG.info("prepare: {} rows to {} (duplicates dropped: {})", n, out, dedupDropped[0]);
        context.metrics().scalar("prepare/" + out + "_rows", n, 0);
      } finally {
        for (RowStream s : streams) {
          s.close();
        }
      }
    }
  }
}
