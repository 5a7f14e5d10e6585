package org.align4j.core.engine.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.align4j.api.Align4jException;
import org.align4j.api.engine.OptimizerOptions;
import org.align4j.api.engine.Trainer;
import org.align4j.api.engine.TrainerOptions;
import org.align4j.api.engine.TrainingDivergedException;
import org.align4j.api.loss.LossResult;
import org.align4j.toolkit.data.Permutations;
import org.align4j.toolkit.io.AtomicFiles;
import org.align4j.core.engine.dist.DataParallel;
import org.align4j.core.engine.io.SafeTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop. Data order: epoch e visits a permutation of the examples drawn with
 * {@code java.util.Random(seed, e)} (a specified algorithm, identical on every JVM); micro-batch u of the run takes
 * the next {@code batchSize} indices of it whatever the number of processes; under data parallel each process takes
 * its contiguous shard ({@link #shardStart}), weights its loss by its share and the gradients are averaged, so N
 * processes step like one. Rank 0 alone reads and writes checkpoints and broadcasts its state to the others. Everything a step depends
 * on (parameters, Adam moments, step, and through it the data position, the schedule and the per-step seeds) is in
 * the checkpoint, so a resumed run computes bitwise the same losses on the CPU (same thread count).
 *
 * <p>Checkpoints: {@code checkpointDir/step-NNNNNNNN/} holding {@code state.safetensors} (parameters and moments)
 * and {@code trainer.json}; {@code checkpointDir/latest} names the newest. Each is written under a temporary name
 * and renamed, so a kill leaves the previous one intact. The two newest are kept.
 */
public final class LocalTrainer implements Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(LocalTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final int zero;
  private volatile long stateBytes;

  /** Without ZeRO: every rank keeps all of AdamW's moments. */
  @Inject
  public LocalTrainer() {
    this(0);
  }

  /**
   * @param zero the ZeRO stage of a data-parallel run ({@code defaults.zero}): 0 every rank keeps the whole optimiser
   *     state; 1 each keeps and updates the moments of its slice of the parameters ({@link ZeroAdamW}); no effect on
   *     one process
   */
  public LocalTrainer(int zero) {
    if (zero != 0 && zero != 1) {
      throw new Align4jException("defaults.zero must be 0 (off) or 1 (ZeRO stage 1), got " + zero
          + "; stages 2 and 3 are not built");
    }
    this.zero = zero;
  }

  /**
   * Bytes of optimiser state (AdamW's moments, as allocated) this process held in its latest {@link #train} call:
   * under ZeRO-1 its slice, about 1/N of the whole.
   */
  public long optimizerStateBytes() {
    return stateBytes;
  }

  /**
   * AdamW; in a launch of several ranks its {@link Optimizer#step()} first averages the gradients over them, so a
   * stage that computes a weighted share of each batch per rank (as {@code ppo} does) steps like one process.
   */
  @Override
  public Optimizer optimizer(Map<String, Tensor> parameters, OptimizerOptions options, long totalSteps) {
    AdamW adam = new AdamW(parameters, options, totalSteps);
    GradientSync sync = launchGroup();
    return sync == null || sync.worldSize() == 1 ? adam : new Averaging(adam, parameters, sync);
  }

  /** An optimiser whose step averages the gradients over the ranks first. */
  private record Averaging(AdamW adam, Map<String, Tensor> parameters, GradientSync sync) implements Optimizer {
    @Override
    public double step() {
      averageGradients(sync, parameters);
      return adam.step();
    }

    @Override
    public double lr() {
      return adam.lr();
    }

    @Override
    public long steps() {
      return adam.steps();
    }

    @Override
    public void zeroGrad() {
      adam.zeroGrad();
    }

    @Override
    public void save(Path file) {
      adam.save(file);
    }

    @Override
    public void load(Path file) {
      adam.load(file);
    }

    @Override
    public void close() {
      adam.close();
    }
  }

  /** Example order of one epoch. */
  static int[] permutation(int n, long seed, int epoch) {
    return Permutations.shuffled(n, new Random(seed * 0x9E3779B97F4A7C15L + epoch));
  }

  static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * The data-parallel group of this process when it was started as one of several ranks (WORLD_SIZE &gt; 1 in the
   * environment, as the launcher or torchrun sets it), joined on first use (the pipeline runner joins it first, for
   * the recipe's device); null for a single process.
   */
  static GradientSync launchGroup() {
    DataParallel g = DataParallel.current();
    return g != null ? g : DataParallel.launch("cpu");
  }

  @Override
  public TrainResult train(Job request) {
    Job job = request.sync() == null && launchGroup() != null
        ? new Job(request.parameters(), request.examples(), request.step(), request.options(), request.checkpointDir(),
            request.metrics(), request.progress(), launchGroup())
        : request;
    TrainerOptions o = job.options();
    int rank = job.sync() == null ? 0 : job.sync().rank();
    int world = job.sync() == null ? 1 : job.sync().worldSize();
    long global = o.batchSize();
    if (world > 1) {
      LOG.info("data parallel: rank {} of {} computes {} of every {} examples of a micro-batch", rank, world,
          shardStart(o.batchSize(), rank + 1, world) - shardStart(o.batchSize(), rank, world), o.batchSize());
    }
    long microPerEpoch = (job.examples() + global - 1) / global;
    long total = o.maxSteps() > 0 ? o.maxSteps() : (o.epochs() * microPerEpoch + o.accumulation() - 1) / o.accumulation();
    Map<String, Tensor> params = job.parameters();
    List<Double> losses = new ArrayList<>();
    Path lastCkpt = null;
    long start = 0;
    try (LoopOptimizer opt = optimizerFor(job, params, o, total, world)) {
      stateBytes = opt.stateBytes();
      if (job.checkpointDir() != null && rank == 0) { // rank 0 owns the checkpoints; the others get its state below
        Path latest = latest(job.checkpointDir());
        if (latest != null) {
          // a newest checkpoint that cannot be read (a truncated file) gives way to the previous complete one
          Align4jException firstError = null;
          for (Path ck : candidates(job.checkpointDir(), latest)) {
            Loaded l;
            try {
              l = read(ck);
            } catch (Align4jException e) {
              LOG.warn("checkpoint {} cannot be read ({}); trying the previous one", ck, e.getMessage());
              firstError = firstError == null ? e : firstError;
              continue;
            }
            start = restore(ck, l, job, opt, microPerEpoch);
            lastCkpt = ck;
            if (!ck.equals(latest)) {
              LOG.warn("resuming from {} instead of the newest checkpoint {}, which cannot be read", ck, latest);
            }
            break;
          }
          if (lastCkpt == null) {
            throw new Align4jException(firstError.getMessage().replaceAll(" Re-export it.*", "")
                + "; no earlier checkpoint in " + job.checkpointDir() + " can be read either: delete the directory to start"
                + " the stage over", firstError);
          }
          LOG.info("resuming from {} at step {} of {}", lastCkpt, start, total);
        }
      }
      if (job.sync() != null && world > 1) {
        start = broadcastState(job.sync(), params, opt, start);
      }
      Map<Integer, int[]> perms = new HashMap<>();
      for (long step = start; step < total; step++) {
        long t0 = System.nanoTime();
        double lossSum = 0;
        double tokens = 0;
        double weightSum = 0;
        Map<String, Double> diag = new TreeMap<>();
        double lr = opt.lr();
        for (int micro = 0; micro < o.accumulation(); micro++) {
          long u = step * o.accumulation() + micro;
          int epoch = (int) (u / microPerEpoch);
          long k = u % microPerEpoch;
          int[] perm = perms.computeIfAbsent(epoch, e -> permutation(job.examples(), o.seed(), e));
          if (perms.size() > 2) {
            perms.keySet().removeIf(e -> e < epoch);
          }
          // the micro-batch is the next `global` indices of the epoch; this rank computes its contiguous shard
          int mbFrom = (int) Math.min(job.examples(), k * global);
          int mbLen = (int) Math.min(job.examples(), mbFrom + global) - mbFrom;
          int[] idx = Arrays.copyOfRange(perm, mbFrom + shardStart(mbLen, rank, world), mbFrom + shardStart(mbLen, rank + 1, world));
          long seed = mix(mix(o.seed(), u), rank);
          if (idx.length == 0 && world == 1) {
            continue;
          }
          try (PointerScope scope = new PointerScope()) {
            LossResult r = null;
            double loss = 0;
            double share = 1; // this shard's part of the micro-batch's loss normaliser
            if (idx.length > 0) {
              torch.manual_seed(seed);
              r = job.step().compute(new Step(step, micro, epoch, idx, seed));
              loss = r.loss().item_double();
              if (!Double.isFinite(loss)) {
                opt.zeroGrad();
                throw new TrainingDivergedException(step, "the loss (" + loss + ")", lastCkpt);
              }
            }
            if (world > 1) {
              double w = idx.length == 0 ? 0 : weight(r, idx.length);
              share = w / job.sync().sum(w); // every rank joins, an idle one with weight 0
              weightSum += w;
            }
            if (r == null) {
              continue;
            }
            // world > 1: the ranks' gradients are averaged, so scale by world to make them the weighted sum
            r.loss().mul(new Scalar(share * world / o.accumulation())).backward();
            lossSum += loss * share;
            for (Map.Entry<String, Double> d : r.diagnostics().entrySet()) {
              if (d.getKey().equals("tokens")) {
                tokens += d.getValue();
              } else {
                diag.merge(d.getKey(), d.getValue() / o.accumulation(), Double::sum);
              }
            }
          }
        }
        double loss = lossSum / o.accumulation();
        if (job.sync() != null && world > 1) {
          // under ZeRO-1 the optimiser reduce-scatters the gradients itself: each rank needs only its slice averaged
          if (!(opt instanceof ZeroAdamW)) {
            averageGradients(job.sync(), params);
          }
          loss = job.sync().sum(loss);
          tokens = job.sync().sum(tokens);
        }
        double norm = opt.step();
        if (!Double.isFinite(norm)) {
          opt.zeroGrad();
          throw new TrainingDivergedException(step, "the gradient norm (" + norm + ")", lastCkpt);
        }
        losses.add(loss);
        double secs = (System.nanoTime() - t0) / 1e9;
        long done = step + 1;
        boolean log = job.metrics() != null && (done % o.logEvery() == 0 || done == total);
        if (log && job.sync() != null && world > 1) {
          diag = reduceDiagnostics(job.sync(), diag, weightSum);
        }
        if (log && rank == 0) {
          job.metrics().scalar("train/loss", loss, done);
          job.metrics().scalar("train/lr", lr, done);
          job.metrics().scalar("train/grad_norm", norm, done);
          if (tokens > 0) {
            job.metrics().scalar("train/tokens_per_s", tokens / secs, done);
          }
          for (Map.Entry<String, Double> d : diag.entrySet()) {
            job.metrics().scalar("train/" + d.getKey(), d.getValue(), done);
          }
        }
        if (job.progress() != null) {
          job.progress().advance(1);
          job.progress().status(String.format("loss %.4f", loss));
        }
        if (job.checkpointDir() != null
            && ((o.checkpointEvery() > 0 && done % o.checkpointEvery() == 0) || done == total)) {
          try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> moments = opt.momentsForCheckpoint(); // under ZeRO every rank sends rank 0 its slice
            if (rank == 0) {
              lastCkpt = save(job, moments, opt, done, microPerEpoch, total);
            }
          }
        }
      }
      return new TrainResult(total, start, List.copyOf(losses), lastCkpt);
    }
  }

  private static void averageGradients(GradientSync sync, Map<String, Tensor> params) {
    try (PointerScope scope = new PointerScope()) {
      List<Tensor> grads = new ArrayList<>();
      for (Tensor p : params.values()) {
        Tensor g = p.grad();
        if (!g.defined()) {
          // every rank must all-reduce the same tensors: materialise a zero gradient
          p.mutable_grad().put(torch.zeros_like(p));
          g = p.grad();
        }
        grads.add(g);
      }
      sync.averageGradients(grads);
    }
  }

  private LoopOptimizer optimizerFor(Job job, Map<String, Tensor> params, TrainerOptions o, long total, int world) {
    if (zero == 0 || world == 1) {
      if (zero == 1) {
        LOG.info("defaults.zero 1 has no effect on one process: it keeps the whole optimiser state");
      }
      return new AdamW(params, o.optimizer(), total);
    }
    if (!(job.sync() instanceof DataParallel dp)) {
      throw new Align4jException("defaults.zero 1 needs the engine's process group (DataParallel) to reduce-scatter"
          + " and all-gather; this job's gradient sync is " + job.sync().getClass().getName()
          + "; set defaults.zero: 0 or leave the job's sync null");
    }
    ZeroAdamW z = new ZeroAdamW(params, o.optimizer(), total, dp);
    LOG.info("ZeRO-1: rank {} of {} keeps AdamW's moments for {} of {} parameter elements ({} MB of {} MB)",
        dp.rank(), world, z.sliceElements(), z.totalElements(), String.format("%.1f", z.stateBytes() / 1e6),
        String.format("%.1f", 2.0 * z.totalElements() * params.values().iterator().next().element_size() / 1e6));
    return z;
  }

  /** Start of rank {@code r}'s contiguous shard of a micro-batch of {@code n} examples (balanced: sizes differ by <= 1). */
  static int shardStart(int n, int r, int world) {
    return (int) ((long) n * r / world);
  }

  /** A shard's loss weight: the count a mean-over-tokens loss divides by ({@code loss_tokens}), else its examples. */
  private static double weight(LossResult r, int examples) {
    Double t = r.diagnostics().get("loss_tokens");
    return t != null ? t : examples;
  }

  /** Diagnostics over the ranks: weighted means, except {@code loss_tokens} (a count), which is summed. */
  private static Map<String, Double> reduceDiagnostics(GradientSync sync, Map<String, Double> diag, double weight) {
    Map<String, Double> mean = new TreeMap<>(sync.average(diag, weight));
    if (diag.containsKey("loss_tokens") || mean.containsKey("loss_tokens")) {
      mean.put("loss_tokens", sync.sum(diag.getOrDefault("loss_tokens", 0.0)));
    }
    return mean;
  }

  /**
   * Rank 0's parameters, Adam moments and step to every rank (rank 0 alone reads checkpoints), so all ranks start,
   * or resume, from the same state. Returns the step to start from.
   */
  private static long broadcastState(GradientSync sync, Map<String, Tensor> params, LoopOptimizer opt, long start) {
    Map<String, Tensor> state = new LinkedHashMap<>();
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Tensor step = torch.zeros(1).to(params.values().iterator().next().device(), torch.ScalarType.Double)
          .fill_(new Scalar((double) start));
      state.put("trainer/step", step);
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        state.put("param/" + e.getKey(), e.getValue());
      }
      sync.broadcast(state);
      long s0 = (long) step.item_double();
      if (s0 > 0) { // a fresh start has zero moments on every rank already
        opt.broadcastMoments(sync);
      }
      opt.setSteps(s0);
      return s0;
    }
  }

  /** The checkpoint named by {@code latest}, then the older ones, newest first. */
  private static List<Path> candidates(Path dir, Path latest) {
    var out = new ArrayList<Path>();
    out.add(latest);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "step-*")) {
      var older = new ArrayList<Path>();
      ds.forEach(p -> {
        if (p.getFileName().toString().compareTo(latest.getFileName().toString()) < 0) {
          older.add(p);
        }
      });
      older.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
      out.addAll(older);
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", dir, e.toString());
    }
    return out;
  }

  /** A checkpoint's files, read completely (a truncated file fails here, before any parameter is touched). */
  private record Loaded(JsonNode meta, Map<String, Tensor> state) {}

  private static Loaded read(Path ckpt) {
    JsonNode j;
    try {
      j = JSON.readTree(ckpt.resolve("trainer.json").toFile());
    } catch (IOException e) {
      throw new Align4jException(ckpt.resolve("trainer.json") + ": cannot read: " + e.getMessage(), e);
    }
    if (j == null || !j.path("step").canConvertToLong()) {
      throw new Align4jException(ckpt.resolve("trainer.json") + ": no step");
    }
    return new Loaded(j, SafeTensors.read(ckpt.resolve("state.safetensors")));
  }

  static Path latest(Path dir) {
    Path f = dir.resolve("latest");
    if (!Files.isRegularFile(f)) {
      return null;
    }
    try {
      String name = Files.readString(f).trim();
      Path p = dir.resolve(name);
      if (!name.matches("step-\\d+") || !Files.isRegularFile(p.resolve("trainer.json"))) {
        throw new Align4jException(f + ": names '" + name + "', which is not a complete checkpoint; delete " + f
            + " to start over");
      }
      return p;
    } catch (IOException e) {
      throw new Align4jException(f + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static Path save(Job job, Map<String, Tensor> moments, LoopOptimizer opt, long step, long microPerEpoch,
      long total) {
    Path dir = job.checkpointDir();
    String name = String.format("step-%08d", step);
    Path target = dir.resolve(name);
    Path tmp = dir.resolve(".tmp-" + name);
    try {
      Files.createDirectories(dir);
      deleteTree(tmp);
      Files.createDirectories(tmp);
      Map<String, Tensor> state = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : job.parameters().entrySet()) {
        state.put("param/" + e.getKey(), e.getValue());
        state.put("adam_m/" + e.getKey(), moments.get("adam_m/" + e.getKey()));
        state.put("adam_v/" + e.getKey(), moments.get("adam_v/" + e.getKey()));
      }
      try (NoGradGuard g = new NoGradGuard()) {
        SafeTensors.write(tmp.resolve("state.safetensors"), state, Map.of("format", "align4j-trainer"));
      }
      long u = step * job.options().accumulation();
      ObjectNode j = JSON.createObjectNode();
      j.put("step", step);
      j.put("total_steps", total);
      j.put("examples", job.examples());
      j.put("seed", job.options().seed());
      j.put("epoch", u / microPerEpoch);
      j.put("micro_batch_in_epoch", u % microPerEpoch);
      j.put("rng", "per-step seeds derived from (seed, micro-batch, rank); torch.manual_seed is set before each micro-batch");
      j.put("lr_next", opt.lr());
      AtomicFiles.writeString(tmp.resolve("trainer.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(j));
      AtomicFiles.replace(tmp, target);
      AtomicFiles.writeString(dir.resolve("latest"), name + "\n");
      prune(dir, 2);
      return target;
    } catch (IOException e) {
      throw new Align4jException(target + ": cannot write checkpoint: " + e.getMessage(), e);
    }
  }

  private static long restore(Path ckpt, Loaded loaded, Job job, LoopOptimizer opt, long microPerEpoch) {
    JsonNode j = loaded.meta();
    Map<String, Tensor> state = loaded.state();
    if (j.path("examples").asInt() != job.examples() || j.path("seed").asLong() != job.options().seed()) {
      throw new Align4jException(ckpt + ": was written for " + j.path("examples").asInt() + " examples and seed "
          + j.path("seed").asLong() + ", this run has " + job.examples() + " and " + job.options().seed()
          + "; use a fresh checkpoint directory or the original data and seed");
    }
    long step = j.path("step").asLong();
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : job.parameters().entrySet()) {
        copy(state, "param/" + e.getKey(), e.getValue(), ckpt);
      }
      opt.restoreMoments(state, ckpt);
    } finally {
      state.values().forEach(Tensor::close);
    }
    opt.setSteps(step);
    return step;
  }

  static void copy(Map<String, Tensor> state, String name, Tensor into, Path ckpt) {
    Tensor t = state.get(name);
    if (t == null || !Arrays.equals(t.sizes().vec().get(), into.sizes().vec().get())) {
      throw new Align4jException(ckpt + ": tensor '" + name + "' is missing or has another shape; the checkpoint belongs "
          + "to a different model");
    }
    into.copy_(t);
  }

  private static void prune(Path dir, int keep) throws IOException {
    List<Path> cks = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "step-*")) {
      ds.forEach(cks::add);
    }
    cks.sort(Comparator.comparing(p -> p.getFileName().toString()));
    for (int i = 0; i < cks.size() - keep; i++) {
      deleteTree(cks.get(i));
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
