package org.align4j.plugins.rlhf;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.align4j.api.Align4jException;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.Trainer;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.stage.StageContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PPO resume points in the stage's work directory: {@code iter-NNNNNN/} holding the policy and value model (float32,
 * Hugging Face layout), both optimisers' states and {@code state.json} (iterations done, the metrics so far, the
 * evaluation bookkeeping). A checkpoint is written into a temporary sibling and renamed, so a kill -9 leaves either
 * the previous or the new one; the newest two are kept. {@code best/} holds the best evaluated policy when early
 * stopping is on.
 */
final class PpoCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(PpoCheckpoints.class);
  private static final Models.SaveOptions EXACT = new Models.SaveOptions("float32", 0);

  /** What the loop carries across iterations besides the weights. */
  static final class State {
    long iterations;
    List<Map<String, Double>> history = new ArrayList<>();
    List<Map<String, Double>> evals = new ArrayList<>();
    double bestEval = Double.NEGATIVE_INFINITY;
    long bestIteration;
    int evalsSinceBest;
    boolean stoppedEarly;
  }

  private final StageContext ctx;
  private final Path root;
  private final Models models;

  /** Checkpoints under {@code root}, a directory in the stage's work directory. */
  PpoCheckpoints(StageContext ctx, Path root, Models models) {
    this.ctx = ctx;
    this.root = root;
    this.models = models;
  }

  /** The newest complete checkpoint, or null. */
  Path latest() throws IOException {
    if (!Files.isDirectory(root)) {
      return null;
    }
    List<Path> all = list();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (Files.isRegularFile(all.get(i).resolve("state.json"))) {
        return all.get(i);
      }
    }
    return null;
  }

  private List<Path> list() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "iter-*")) {
      ds.forEach(out::add);
    }
    out.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return out;
  }

  void save(State s, LanguageModel policy, LanguageModel value, Trainer.Optimizer policyOpt,
      Trainer.Optimizer valueOpt) throws IOException {
    String name = String.format("iter-%06d", s.iterations);
    Path tmp = root.resolve(".tmp-" + name);
    Path target = root.resolve(name);
    deleteTree(tmp);
    Files.createDirectories(tmp);
    models.save(policy, tmp.resolve("policy"), EXACT);
    policyOpt.save(tmp.resolve("policy.adamw.safetensors"));
    if (value != null) {
      models.save(value, tmp.resolve("value"), EXACT);
      valueOpt.save(tmp.resolve("value.adamw.safetensors"));
    }
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("iterations", s.iterations);
    j.put("best_eval", Double.isFinite(s.bestEval) ? s.bestEval : null);
    j.put("best_iteration", s.bestIteration);
    j.put("evals_since_best", s.evalsSinceBest);
    j.put("history", s.history);
    j.put("evals", s.evals);
    StageFiles.writeJson(ctx, tmp.resolve("state.json"), j);
    ctx.replaceAtomically(tmp, target);
    List<Path> all = list();
    for (int i = 0; i < all.size() - 2; i++) {
      deleteTree(all.get(i));
    }
    LOG.info("ppo: checkpoint {}", target);
  }

  /** Restores the optimisers from a checkpoint (the models are loaded from it by the caller) and its state. */
  State restore(Path dir, Trainer.Optimizer policyOpt, Trainer.Optimizer valueOpt) {
    policyOpt.load(dir.resolve("policy.adamw.safetensors"));
    if (valueOpt != null) {
      Path v = dir.resolve("value.adamw.safetensors");
      if (!Files.isRegularFile(v)) {
        throw new Align4jException(dir + ": no value.adamw.safetensors although the loss trains a critic; the"
            + " checkpoint was written by another configuration: remove " + dir.getParent() + " to start over");
      }
      valueOpt.load(v);
    }
    Map<String, Object> j = StageFiles.readJson(dir.resolve("state.json"));
    State s = new State();
    s.iterations = ((Number) j.get("iterations")).longValue();
    s.history = doubles(j.get("history"));
    s.evals = doubles(j.get("evals"));
    s.bestEval = j.get("best_eval") instanceof Number n ? n.doubleValue() : Double.NEGATIVE_INFINITY;
    s.bestIteration = ((Number) j.get("best_iteration")).longValue();
    s.evalsSinceBest = ((Number) j.get("evals_since_best")).intValue();
    return s;
  }

  /** A list of JSON objects of numbers as read back from state.json (null: none). */
  private static List<Map<String, Double>> doubles(Object rows) {
    List<Map<String, Double>> out = new ArrayList<>();
    if (!(rows instanceof List<?> list)) {
      return out;
    }
    for (Object row : list) {
      Map<String, Double> m = new LinkedHashMap<>();
      if (row instanceof Map<?, ?> r) {
        r.forEach((k, v) -> m.put(String.valueOf(k), v instanceof Number n ? n.doubleValue() : Double.NaN));
      }
      out.add(m);
    }
    return out;
  }

  void saveBest(LanguageModel policy) throws IOException {
    Path tmp = root.resolve(".tmp-best");
    deleteTree(tmp);
    models.save(policy, tmp, EXACT);
    ctx.replaceAtomically(tmp, root.resolve("best")); // the previous best stays until the new one is whole
  }

  Path best() {
    Path b = root.resolve("best");
    return Files.isDirectory(b) ? b : null;
  }

  void copyBest(Path out) throws IOException {
    Files.createDirectories(out);
    try (Stream<Path> files = Files.list(best())) {
      for (Path f : files.toList()) {
        Files.copy(f, out.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
