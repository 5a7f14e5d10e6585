package org.align4j.plugins.rlhf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.align4j.api.Align4jException;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.Flat;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainerOptions;
import org.align4j.api.loss.Rating;
import org.align4j.api.metrics.Progress;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.StageContext;
import org.align4j.toolkit.stage.Ports;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the stages that train on preference pairs ({@code reward-model}, {@code dpo}) do alike: read the pairs, hold
 * out the evaluation split, encode and drop the over-long ones, check their shared options, and run the trainer with
 * resumable checkpoints in the work directory.
 */
final class PreferenceTraining {
  private static final Logger LOG = LoggerFactory.getLogger(PreferenceTraining.class);

  private PreferenceTraining() {}

  /** The inputs both stages read besides their starting model. */
  static final Port DATA = Port.required("data",
      "preferences dataset (prompt, chosen, rejected, [edited], rating, domain)").withSchema(Schemas.PREFERENCE_PAIRS);

  /**
   * A preference-training stage's inputs: the {@code model} to start from ({@code modelDoc}), {@code data}, then
   * {@code own} (the {@code @StagePort} inputs on the stage's class: DPO's reference), {@code eval_data} and
   * {@code tokenizer}.
   */
  static List<Port> inputs(String modelDoc, List<Port> own) {
    var ports = new ArrayList<Port>(List.of(Port.required("model", modelDoc), DATA));
    ports.addAll(own);
    ports.addAll(List.of(EVAL_DATA, Ports.TOKENIZER));
    return List.copyOf(ports);
  }

  static final Port EVAL_DATA = Port.optional("eval_data", "held-out preferences (default: eval_fraction of data)")
      .withSchema(Schemas.PREFERENCE_PAIRS);

  /**
   * The encoded pairs of a stage.
   *
   * @param dropped rows left out, by reason (the filters' and {@code longer than max_len})
   */
  record Data(List<Preferences.Encoded> train, List<Preferences.Encoded> eval, Map<String, Long> dropped) {}

  /**
   * Reads the {@code data} input through {@code filter}; the evaluation pairs are the {@code eval_data} input when
   * given, else {@code eval_fraction} of the rows split by the recipe seed (so stages on one dataset hold out the same
   * rows). Each pair is encoded; one whose {@code length} exceeds {@code max_len} is dropped and counted.
   *
   * @param what the stage's provider id, for the log
   * @throws Align4jException when no training pair is left
   */
  static Data load(StageContext ctx, String what, DatasetStore store, Preferences.Filter filter, PairOptions o,
      Function<Preferences.Pair, Preferences.Encoded> encode, ToIntFunction<Preferences.Encoded> length)
      throws java.io.IOException {
    return load(ctx, what, store, filter, o, encode, length, parts -> parts);
  }

  /**
   * As above, with {@code select} turning the split (held-out pairs, training pairs) into the pairs used, e.g. the
   * reward model's domain mixing.
   */
  static Data load(StageContext ctx, String what, DatasetStore store, Preferences.Filter filter, PairOptions o,
      Function<Preferences.Pair, Preferences.Encoded> encode, ToIntFunction<Preferences.Encoded> length,
      java.util.function.UnaryOperator<List<List<Preferences.Pair>>> select) throws java.io.IOException {
    int maxLen = o.maxLen();
    Path data = ctx.input("data");
    Preferences.Loaded loaded = Preferences.read(store, data, filter);
    org.align4j.toolkit.stage.Ports.requireRows(ctx, "data", data, loaded.pairs().size() + loaded.dropped().values()
        .stream().mapToLong(Long::longValue).sum(), "preference pairs");
    List<Preferences.Pair> trainPairs;
    List<Preferences.Pair> evalPairs;
    var evalInput = ctx.optionalInput("eval_data");
    if (evalInput.isPresent()) {
      trainPairs = loaded.pairs();
      evalPairs = Preferences.read(store, evalInput.get(), filter).pairs();
    } else {
      var parts = Preferences.split(loaded.pairs(), o.evalFraction(), StageFiles.splitSeed(ctx));
      evalPairs = parts.get(0);
      trainPairs = parts.get(1);
    }
    List<List<Preferences.Pair>> selected = select.apply(List.of(evalPairs, trainPairs));
    evalPairs = selected.get(0);
    trainPairs = selected.get(1);
    Map<String, Long> dropped = new LinkedHashMap<>(loaded.dropped());
    List<Preferences.Encoded> train = encode(trainPairs, maxLen, encode, length, dropped);
    List<Preferences.Encoded> eval = encode(evalPairs, maxLen, encode, length, dropped);
    if (!dropped.isEmpty()) {
      LOG.warn("{}: left out {} (filters and max_len)", what, dropped);
    }
    if (train.isEmpty()) {
      List<String> ratings = filter.ratings() == null ? List.of() : filter.ratings().stream().map(Rating::key).toList();
      throw new Align4jException(data + ": no preference pairs left to train on after the filters (ratings " + ratings
          + ", domains " + filter.domains() + ", max_len " + maxLen + "); left out: " + dropped);
    }
    return new Data(train, eval, dropped);
  }

  private static List<Preferences.Encoded> encode(List<Preferences.Pair> pairs, int maxLen,
      Function<Preferences.Pair, Preferences.Encoded> encode, ToIntFunction<Preferences.Encoded> length,
      Map<String, Long> dropped) {
    List<Preferences.Encoded> out = new ArrayList<>(pairs.size());
    for (Preferences.Pair p : pairs) {
      Preferences.Encoded e = encode.apply(p);
      if (length.applyAsInt(e) > maxLen) {
        dropped.merge("longer than max_len", 1L, Long::sum);
        continue;
      }
      out.add(e);
    }
    return out;
  }

  /**
   * The options both stages read their pairs with: their {@code Options} records nest it {@link Flat}, so its keys
   * stand directly under the stage's {@code options:}; the optimizer and loop blocks check their own.
   */
  record PairOptions(
      @Doc("pairs longer than this many tokens (prompt + the longer response; reward-model shared_prefix: prompt + all"
          + " responses) are dropped and counted") @Default("512") int maxLen,
      @Doc("fraction of the rows held out for evaluation, split by the recipe seed so stages on one dataset hold"
          + " out the same rows (ignored when the eval_data input is given)") @Default("0.1") double evalFraction,
      @Doc("use at most this many rows (0: all)") @Default("0") int limit) {
    PairOptions {
      if (maxLen < 8 || maxLen > 131_072) {
        throw new IllegalArgumentException("max_len must be in [8, 131072], got " + maxLen);
      }
      if (!(evalFraction >= 0 && evalFraction < 1)) {
        throw new IllegalArgumentException("eval_fraction must be in [0, 1), got " + evalFraction);
      }
      if (limit < 0) {
        throw new IllegalArgumentException("limit must be >= 0 (0: all), got " + limit);
      }
    }
  }

  /**
   * Trains {@code parameters} over {@code examples} pairs with a progress bar named {@code what}; checkpoints go to
   * the work directory, so a killed run resumes.
   */
  static Trainer.TrainResult train(StageContext ctx, String what, Trainer trainer, Map<String, Tensor> parameters,
      int examples, Trainer.StepFunction step, TrainerOptions options) {
    long total = options.maxSteps() > 0 ? options.maxSteps()
        : ((long) options.epochs() * ((examples + options.batchSize() - 1) / options.batchSize())
            + options.accumulation() - 1) / options.accumulation();
    try (Progress p = ctx.progress(what, total, "steps")) {
      return trainer.train(new Trainer.Job(parameters, examples, step, options, ctx.workDir().resolve("checkpoints"),
          ctx.metrics(), p, null));
    }
  }
}
