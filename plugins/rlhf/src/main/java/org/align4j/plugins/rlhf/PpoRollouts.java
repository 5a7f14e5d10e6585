package org.align4j.plugins.rlhf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.align4j.api.Align4jException;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.Distributed;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Trainer;
import org.align4j.api.loss.Advantages;
import org.align4j.api.loss.LossResult;
import org.align4j.api.loss.PolicyBatch;
import org.align4j.api.loss.PolicyLoss;
import org.align4j.api.loss.Rollout;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelInput;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.Message;
import org.align4j.api.text.Tokenizer;
import org.align4j.toolkit.data.Permutations;
import org.align4j.toolkit.data.Rows;
import org.align4j.toolkit.loss.LogProbs;
import org.align4j.toolkit.loss.Tensors;
import org.align4j.toolkit.model.Masks;
import org.align4j.toolkit.reward.ShardedScoring;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollout machinery of {@link PpoStage}, independent of the loss: prompt batches, generation, the padded
 * token layout, the no-gradient forward passes (old policy, reference, critic), the mini-batch updates and the
 * held-out evaluation.
 *
 * <p>Layout: row {@code i} holds prompt + response right-padded to the batch's longest sequence {@code L}; response
 * token {@code t} sits at position {@code p_i + t}, its log-prob comes from the logits at {@code p_i + t - 1} and its
 * value {@code V(s_t)} from the critic at the same position. A gather index {@code [B, Tr]} holding {@code p_i - 1 +
 * t} turns the {@code [B, L-1]} per-position numbers into the rollout's {@code [B, Tr]} response columns, so every
 * forward pass (rollout scoring and updates) reads exactly the same positions.
 */
final class PpoRollouts {
  private static final Logger LOG = LoggerFactory.getLogger(PpoRollouts.class);

  /** A training or held-out prompt: its conversation, the row fields a program reward needs, its rendered ids. */
  record Prompt(List<Message> messages, Map<String, String> metadata, int[] ids) {}

  /** One iteration's generations. */
  record Batch(List<Prompt> prompts, List<Generator.Generation> generations, List<String> responses,
      boolean[] stopped) {
    List<List<Message>> messages() {
      return prompts.stream().map(Prompt::messages).toList();
    }

    List<Map<String, String>> metadata() {
      return prompts.stream().map(Prompt::metadata).toList();
    }

    double meanLength() {
      return generations.stream().mapToInt(g -> g.tokens().length).average().orElse(0);
    }
  }

  /**
   * A scored rollout with the tensors the updates index into ({@code ids [B, L]}, right-padded; {@code index}/{@code
   * mask} {@code [B, Tr]}), each row's real length (prompt + response) and the rest, kept in the iteration's scope.
   */
  record Scored(Rollout rollout, Tensor ids, int[] lengths, Tensor index, Tensor mask, double generationMismatch,
      Map<String, Double> kl) {
    /** The longest of these rows: a forward pass over them needs no column past it (causal, right padding). */
    int longest(long[] rows) {
      int l = 1;
      for (long r : rows) {
        l = Math.max(l, lengths[(int) r]);
      }
      return l;
    }
  }

  private final Generator generator;
  private final Tokenizer tokenizer;
  private final Set<Integer> stops;
  private final PpoStage.Options o;
  private final Distributed dist;

  PpoRollouts(Generator generator, Tokenizer tokenizer, Set<Integer> stops, PpoStage.Options o, Distributed dist) {
    this.dist = dist == null ? Distributed.single() : dist;
    this.generator = generator;
    this.tokenizer = tokenizer;
    this.stops = stops;
    this.o = o;
  }

  /** Prompts of a conversations dataset; rows longer than {@code maxPromptLen} tokens are skipped (and logged). */
  static List<Prompt> readPrompts(DatasetStore store, Path file, int limit, ChatFormat format, Tokenizer tok,
      int maxPromptLen) throws Exception {
    List<Prompt> out = new ArrayList<>();
    long skipped = 0;
    try (RowStream rows = store.rows(file)) {
      long index = 0;
      while (rows.hasNext() && (limit <= 0 || out.size() < limit)) {
        Map<String, Object> row = rows.next();
        long at = index++;
        String system = row.get(Schemas.SYSTEM) instanceof String s && !s.isEmpty() ? s : null;
        List<Message> msgs = RejectionSamplingStage.promptMessages(row, file, at, system);
        int[] ids = format.renderPrompt(msgs, tok);
        if (ids.length > maxPromptLen) {
          skipped++;
          continue;
        }
        out.add(new Prompt(List.copyOf(msgs), metadata(row), ids));
      }
    }
    if (skipped > 0) {
      LOG.warn("ppo: {}: skipped {} prompts longer than max_prompt_len {}", file, skipped, maxPromptLen);
    }
    return out;
  }

  /**
   * The row's scalar fields, plus its {@code tags} list joined with commas, so a reward sees the tags (the
   * piecewise reward's safety tag); shared with rejection sampling.
   */
  static Map<String, String> metadata(Map<String, Object> row) {
    Map<String, String> meta = new LinkedHashMap<>(Rows.metadata(row));
    if (row.get(Schemas.TAGS) instanceof List<?> tags && !tags.isEmpty()) {
      meta.put(Schemas.TAGS, String.join(",", tags.stream().map(String::valueOf).toList()));
    }
    return meta;
  }

  /** Iteration {@code it}'s prompts: positions {@code it * size ..} of the concatenated seeded passes. */
  static List<Prompt> batch(List<Prompt> all, int it, int size, long seed) {
    int n = all.size();
    Map<Long, int[]> perms = new HashMap<>();
    List<Prompt> out = new ArrayList<>(size);
    for (int j = 0; j < size; j++) {
      long pos = (long) it * size + j;
      int[] perm = perms.computeIfAbsent(pos / n, pass -> PpoStage.permutation(n, seed, pass));
      out.add(all.get(perm[(int) (pos % n)]));
    }
    return out;
  }

  /** Each prompt {@code k} times in a row (the rows of a prompt's group are adjacent). */
  static List<Prompt> repeat(List<Prompt> prompts, int k) {
    List<Prompt> out = new ArrayList<>(prompts.size() * k);
    for (Prompt p : prompts) {
      for (int j = 0; j < k; j++) {
        out.add(p);
      }
    }
    return out;
  }

  /** Each score minus the mean of the other {@code k - 1} scores of its group (adjacent rows of one prompt). */
  static double[] leaveOneOut(double[] x, int k) {
    double[] out = new double[x.length];
    for (int g = 0; g < x.length; g += k) {
      double sum = 0;
      for (int j = g; j < g + k; j++) {
        sum += x[j];
      }
      for (int j = g; j < g + k; j++) {
        out[j] = x[j] - (sum - x[j]) / (k - 1);
      }
    }
    return out;
  }

  /** One response per row, sampled from the policy; the ranks share the generation batches. */
  Batch generate(LanguageModel policy, List<Prompt> prompts, long seed) throws Exception {
    var sampling = o.sampling().sampling(0, stops, seed, o.generationBatch());
    List<Generator.Generation> gens = generateSharded(policy, prompts, sampling);
    List<String> responses = new ArrayList<>(gens.size());
    boolean[] stopped = new boolean[gens.size()];
    for (int i = 0; i < gens.size(); i++) {
      responses.add(decode(gens.get(i)));
      stopped[i] = gens.get(i).stopped();
    }
    return new Batch(prompts, gens, responses, stopped);
  }

  /**
   * The generations of all {@code prompts}, each rank generating whole generation batches (row i keeps the random
   * stream of row i of one call over the list), gathered in order: one process's rows, from N ranks.
   */
  private List<Generator.Generation> generateSharded(LanguageModel policy, List<Prompt> prompts,
      Generator.Sampling sampling) throws Exception {
    List<int[]> ids = prompts.stream().map(Prompt::ids).toList();
    return dist.mapChunks(ids.size(), sampling.batchSize(),
        (from, to) -> generator.generate(policy, ids.subList(from, to), sampling, from));
  }

  private String decode(Generator.Generation g) {
    int[] t = g.tokens();
    int n = t.length;
    if (g.stopped() && n > 0 && stops.contains(t[n - 1])) {
      n--;
    }
    return tokenizer.decode(Arrays.copyOf(t, n)).strip();
  }

  /**
   * The rollout of a batch: old and reference log-probs and values by forward passes without gradient over the
   * padded layout the updates use, in length-sorted chunks of {@value #MICRO_ROWS} rows split across the ranks.
   *
   * @param scores the sequence scores as the loss receives them (whitened, penalised)
   */
  Scored score(Batch b, LanguageModel policy, LanguageModel reference, LanguageModel value, double[] scores) {
    int rows = b.generations().size();
    int len = 0;
    int tr = 1;
    for (Generator.Generation g : b.generations()) {
      len = Math.max(len, g.prompt().length + g.tokens().length);
      tr = Math.max(tr, g.tokens().length);
    }
    long[] ids = new long[rows * len];
    long[] index = new long[rows * tr];
    long[] last = new long[rows];
    float[] mask = new float[rows * tr];
    float[] genLp = new float[rows * tr];
    for (int i = 0; i < rows; i++) {
      Generator.Generation g = b.generations().get(i);
      int[] seq = g.sequence();
      for (int j = 0; j < seq.length; j++) {
        ids[i * len + j] = seq[j];
      }
      int p = g.prompt().length;
      for (int t = 0; t < tr; t++) {
        boolean real = t < g.tokens().length;
        index[i * tr + t] = real ? p - 1 + t : p - 1;
        mask[i * tr + t] = real ? 1f : 0f;
        genLp[i * tr + t] = real ? g.logprobs()[t] : 0f;
      }
      last[i] = p + g.tokens().length - 1;
    }
    var device = policy.device();
    Tensor idsT = Masks.longs(ids, rows, len).to(device, torch.ScalarType.Long);
    Tensor indexT = Masks.longs(index, rows, tr).to(device, torch.ScalarType.Long);
    Tensor maskT = Tensor.create(mask, rows, tr).to(device, torch.ScalarType.Float);
    Tensor old = torch.zeros(new long[] {rows, tr}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float)).to(
        device, torch.ScalarType.Float);
    Tensor ref = reference == null ? null : torch.zeros_like(old);
    Tensor values = value == null ? null : torch.zeros_like(old);
    Tensor boot = value == null ? null : torch.zeros(new long[] {rows},
        new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float)).to(device, torch.ScalarType.Float);
    Tensor lastT = Masks.longs(last, rows, 1).to(device, torch.ScalarType.Long);
    // the rows sorted by length, in chunks of MICRO_ROWS each cut to its own longest row (causal attention and right
    // padding make the cut exact), split across the ranks and gathered in order: one process's numbers from N ranks
    int[] lengths = new int[rows];
    for (int i = 0; i < rows; i++) {
      lengths[i] = (int) last[i] + 1;
    }
    long[] order = byLength(java.util.stream.LongStream.range(0, rows).toArray(), lengths);
    int cs = MICRO_ROWS;
    int width = tr;
    try (NoGradGuard g = new NoGradGuard()) {
      dist.<Forwards>forEachChunk((rows + cs - 1) / cs, c -> {
        long[] sel = Arrays.copyOfRange(order, c * cs, Math.min(rows, (c + 1) * cs));
        int columns = lengths[(int) sel[sel.length - 1]]; // the longest: sel is sorted by length
        try (PointerScope s = new PointerScope()) {
          Tensor rowsT = Masks.longs(sel, sel.length).to(device, torch.ScalarType.Long);
          Tensor idsB = idsT.index_select(0, rowsT).narrow(1, 0, columns);
          Tensor indexB = indexT.index_select(0, rowsT);
          Tensor maskB = maskT.index_select(0, rowsT);
          double[] oldB = Tensors.toDoubles(logProbs(policy, idsB, indexB, maskB, o.sampling().temperature(), false)[0]);
          double[] refB = reference == null ? null
              : Tensors.toDoubles(logProbs(reference, idsB, indexB, maskB, o.sampling().temperature(), false)[0]);
          double[] valuesB = null;
          double[] bootB = null;
          if (value != null) {
            Tensor v = value.scores(ModelInput.causal(idsB));
            valuesB = Tensors.toDoubles(v.gather(1, indexB).mul(maskB));
            bootB = Tensors.toDoubles(v.gather(1, lastT.index_select(0, rowsT)).squeeze(1));
          }
          return new Forwards(oldB, refB, valuesB, bootB);
        }
      }, (c, f) -> {
        long[] sel = Arrays.copyOfRange(order, c * cs, Math.min(rows, (c + 1) * cs));
        int n = sel.length;
        try (PointerScope s = new PointerScope()) {
          Tensor rowsT = Masks.longs(sel, n).to(device, torch.ScalarType.Long);
          old.index_copy_(0, rowsT, Tensors.like(old, f.old(), n, width));
          if (ref != null) {
            ref.index_copy_(0, rowsT, Tensors.like(old, f.ref(), n, width));
          }
          if (values != null) {
            values.index_copy_(0, rowsT, Tensors.like(old, f.values(), n, width));
            boot.index_copy_(0, rowsT, Tensors.like(old, f.boot(), n));
          }
        }
      });
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new Align4jException("ppo: the rollout's forward passes failed across the ranks: " + e.getMessage(), e);
    }
    double mismatch = Double.NaN;
    if (o.sampling().temperature() == 1.0) {
      double[] re = Tensors.toDoubles(old);
      mismatch = 0;
      for (int k = 0; k < re.length; k++) {
        if (mask[k] != 0) {
          mismatch = Math.max(mismatch, Math.abs(re[k] - genLp[k]));
        }
      }
    }
    Map<String, Double> kl = new LinkedHashMap<>();
    if (ref != null) {
      double[] a = Tensors.toDoubles(old);
      double[] r = Tensors.toDoubles(ref);
      double sum = 0;
      double tokens = 0;
      double k3 = 0;
      for (int k = 0; k < a.length; k++) {
        if (mask[k] != 0) {
          double d = a[k] - r[k];
          sum += d;
          k3 += Math.expm1(-d) + d; // (ratio - 1) - log ratio: unbiased, never negative
          tokens++;
        }
      }
      kl.put("kl_per_token", sum / Math.max(tokens, 1));
      kl.put("kl_per_sequence", sum / rows);
      kl.put("kl_k3_per_token", k3 / Math.max(tokens, 1));
    }
    boolean bootstrap = "bootstrap".equals(o.truncation());
    double[] term = new double[rows];
    for (int i = 0; i < rows; i++) {
      term[i] = bootstrap && !b.stopped()[i] ? 0 : 1;
    }
    Tensor scoresT = Tensors.like(old, scores, rows);
    Tensor termT = Tensors.like(old, term, rows);
    long[] groups = new long[rows];
    for (int i = 0; i < rows; i++) {
      groups[i] = i / o.sampling().samplesPerPrompt();
    }
    Tensor groupsT = Masks.longs(groups, rows).to(device, torch.ScalarType.Long);
    Rollout rollout = new Rollout(old, ref, values, maskT, scoresT, termT, bootstrap ? boot : null, groupsT);
    return new Scored(rollout, idsT, lengths, indexT, maskT, mismatch, kl);
  }

  /** One mini-batch chunk's no-gradient forward results, row-major ({@code null} where that model is absent). */
  private record Forwards(double[] old, double[] ref, double[] values, double[] boot) implements java.io.Serializable {}

  /**
   * Log-probs {@code [B, Tr]} of the response tokens under {@code model} at {@code temperature} (and their entropy
   * when asked), 0 at padding. With gradient unless a NoGradGuard is active.
   */
  static Tensor[] logProbs(LanguageModel model, Tensor ids, Tensor index, Tensor mask, double temperature,
      boolean entropy) {
    long len = ids.size(1);
    Tensor logits = model.logits(ModelInput.causal(ids)).narrow(1, 0, len - 1);
    if (temperature != 1.0) {
      logits = logits.div(new Scalar(temperature));
    }
    Tensor lp = LogProbs.tokenLogProbs(logits, ids.narrow(1, 1, len - 1), null).gather(1, index).mul(mask);
    Tensor ent = entropy ? LogProbs.entropy(logits).gather(1, index).mul(mask) : null;
    return new Tensor[] {lp, ent};
  }

  /**
   * {@code ppo_epochs} passes over shuffled mini-batches; one optimiser step per mini-batch for the policy and
   * one for the critic. Under data parallel each rank computes its contiguous shard of every mini-batch, its loss
   * weighted by its share of the mini-batch's normaliser ({@code loss_tokens} when the loss reports it, else rows),
   * and the optimisers average the gradients over the ranks: the steps one process takes. Returns the loss
   * diagnostics averaged over the mini-batches, the grad norms, and the ratio of the first mini-batch (1 when rollout
   * and update forward passes agree).
   */
  Map<String, Double> update(Scored s, Advantages a, LanguageModel policy, LanguageModel value,
      Trainer.Optimizer policyOpt, Trainer.Optimizer valueOpt, PolicyLoss loss, long seed) {
    Rollout r = s.rollout();
    int rows = (int) r.rows();
    Map<String, Double> sums = new LinkedHashMap<>();
    int steps = 0;
    int nonFinite = 0;
    double firstRatio = Double.NaN;
    for (int epoch = 0; epoch < o.ppoEpochs(); epoch++) {
      int[] perm = PpoStage.permutation(rows, seed, epoch);
      for (int from = 0; from < rows; from += o.miniBatchSize()) {
        int n = Math.min(o.miniBatchSize(), rows - from);
        int world = dist.worldSize();
        int lo = from + (int) ((long) n * dist.rank() / world);
        int hi = from + (int) ((long) n * (dist.rank() + 1) / world);
        long[] sel = new long[hi - lo];
        for (int j = 0; j < sel.length; j++) {
          sel[j] = perm[lo + j];
        }
        try (PointerScope scope = new PointerScope()) {
          LossResult result = sel.length == 0 ? null : shardLoss(s, a, policy, value, loss, sel, MICRO_ROWS);
          Map<String, Double> diagnostics = result == null ? Map.of() : result.diagnostics();
          if (world == 1) {
            result.loss().backward();
          } else {
            double w = result == null ? 0 : weight(result, sel.length);
            List<Weighted> all = dist.allGather(new Weighted(new LinkedHashMap<>(diagnostics), w));
            double total = all.stream().mapToDouble(Weighted::weight).sum();
            if (result != null) {
              // the optimisers average over the ranks: scale by world to make the mean the weighted sum
              result.loss().mul(new Scalar(w / total * world)).backward();
            }
            diagnostics = Weighted.mean(all, total);
          }
          double gp = policyOpt.step();
          double gv = valueOpt == null ? 0 : valueOpt.step();
          if (!Double.isFinite(gp) || !Double.isFinite(gv)) {
            policyOpt.zeroGrad();
            if (valueOpt != null) {
              valueOpt.zeroGrad();
            }
            nonFinite++;
          }
          if (steps == 0 && diagnostics.get("ratio") != null) {
            firstRatio = diagnostics.get("ratio");
          }
          steps++;
          add(sums, diagnostics);
          sums.merge("grad_norm_policy", gp, Double::sum);
          sums.merge("grad_norm_value", gv, Double::sum);
        }
      }
    }
    if (nonFinite == steps) {
      throw new Align4jException("ppo: every update step of the iteration had a"
          + " non-finite gradient norm; lower lr or check the reward for extreme values");
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (var e : sums.entrySet()) {
      out.put(e.getKey(), e.getValue() / steps);
    }
    out.put("ratio_first_minibatch", firstRatio);
    out.put("nonfinite_steps", (double) nonFinite);
    return out;
  }

  /** A rank's mini-batch diagnostics and loss weight, gathered to average them as one process's. */
  private record Weighted(LinkedHashMap<String, Double> values, double weight) implements java.io.Serializable {
    static Map<String, Double> mean(List<Weighted> all, double total) {
      Map<String, Double> out = new LinkedHashMap<>();
      for (Weighted w : all) {
        w.values().forEach((k, v) -> out.merge(k, v * (total > 0 ? w.weight() / total : 1.0 / all.size()), Double::sum));
      }
      return out;
    }
  }

  /** A shard's loss weight: the token count a mean-over-tokens loss divides by ({@code loss_tokens}), else its rows. */
  private static double weight(LossResult r, int rows) {
    Double t = r.diagnostics().get("loss_tokens");
    return t != null ? t : rows;
  }

  /** Rows per length-sorted piece of a mini-batch shard. */
  static final int MICRO_ROWS = 16;

  /**
   * The loss (with autograd) of the rollout rows {@code sel}. The rows are sorted by length and cut into pieces of
   * {@code microRows} (the stage uses {@value #MICRO_ROWS}), each forward pass cut to its piece's longest row, so a mini-batch whose rows differ in
   * length (a rollout is about 2.7x padded) computes little padding. The pieces' losses are combined weighted by
   * their {@code loss_tokens} (rows where a loss does not report it), as the ranks' shards are: for a loss that
   * averages over tokens (or rows) this is the loss of the whole shard, and so is its gradient.
   */
  LossResult shardLoss(Scored s, Advantages a, LanguageModel policy, LanguageModel value, PolicyLoss loss,
      long[] sel, int microRows) {
    if (sel.length <= microRows) {
      return pieceLoss(s, a, policy, value, loss, sel);
    }
    long[] sorted = byLength(sel, s.lengths());
    List<LossResult> pieces = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    double total = 0;
    for (int from = 0; from < sorted.length; from += microRows) {
      long[] piece = Arrays.copyOfRange(sorted, from, Math.min(sorted.length, from + microRows));
      LossResult res = pieceLoss(s, a, policy, value, loss, piece);
      pieces.add(res);
      weights.add(weight(res, piece.length));
      total += weights.get(weights.size() - 1);
    }
    Tensor sum = null;
    Map<String, Double> d = new LinkedHashMap<>();
    for (int i = 0; i < pieces.size(); i++) {
      LossResult res = pieces.get(i);
      double w = weights.get(i) / total;
      Tensor part = res.loss().mul(new Scalar(w));
      sum = sum == null ? part : sum.add(part);
      for (var e : res.diagnostics().entrySet()) {
        if (e.getValue() != null && !e.getKey().equals("loss_tokens")) {
          d.merge(e.getKey(), e.getValue() * w, Double::sum);
        }
      }
    }
    if (pieces.get(0).diagnostics().containsKey("loss_tokens")) {
      d.put("loss_tokens", total);
    }
    return new LossResult(sum, d);
  }

  /** {@code rows} ordered by {@code lengths[row]}, ties by row index: the one order both the forwards and updates cut. */
  static long[] byLength(long[] rows, int[] lengths) {
    return java.util.stream.LongStream.of(rows).boxed()
        .sorted(java.util.Comparator.comparingInt((Long r) -> lengths[(int) (long) r]).thenComparing(r -> r))
        .mapToLong(Long::longValue).toArray();
  }

  /** The loss (with autograd) of the rollout rows {@code sel}, computed in one forward pass. */
  private LossResult pieceLoss(Scored s, Advantages a, LanguageModel policy, LanguageModel value, PolicyLoss loss,
      long[] sel) {
    Rollout r = s.rollout();
    Tensor rowsT = Masks.longs(sel, sel.length).to(policy.device(), torch.ScalarType.Long);
    Tensor ids = s.ids().index_select(0, rowsT).narrow(1, 0, s.longest(sel)); // exact: causal, right-padded
    Tensor index = s.index().index_select(0, rowsT);
    Tensor mask = s.mask().index_select(0, rowsT);
    Tensor[] lp = logProbs(policy, ids, index, mask, o.sampling().temperature(), loss.needsEntropy());
    Tensor values = null;
    if (value != null) {
      values = value.scores(ModelInput.causal(ids)).gather(1, index).mul(mask);
    }
    PolicyBatch batch = new PolicyBatch(lp[0], r.logProbs().index_select(0, rowsT),
        r.referenceLogProbs() == null ? null : r.referenceLogProbs().index_select(0, rowsT), values,
        r.values() == null ? null : r.values().index_select(0, rowsT),
        a.advantages().index_select(0, rowsT), a.returns() == null ? null : a.returns().index_select(0, rowsT),
        mask, lp[1]);
    return loss.compute(batch);
  }

  private static void add(Map<String, Double> sums, Map<String, Double> d) {
    for (var e : d.entrySet()) {
      // loss_tokens weighs the ranks' shards; a count, not a diagnostic to average
      if (e.getValue() != null && Double.isFinite(e.getValue()) && !e.getKey().equals("loss_tokens")) {
        sums.merge(e.getKey(), e.getValue(), Double::sum);
      }
    }
  }

  /**
   * Greedy answers to held-out prompts scored by {@code reward}: mean, standard error, truncation rate.
   */
  Map<String, Double> evaluate(LanguageModel policy, List<Prompt> prompts, Reward reward, long seed) throws Exception {
    var sampling = Generator.Sampling.greedy(o.sampling().maxNewTokens()).withStopTokens(stops)
        .withBatchSize(o.generationBatch()).withPrecision(o.sampling().precision());
    List<Generator.Generation> gens = generateSharded(policy, prompts, sampling);
    List<String> responses = new ArrayList<>();
    double truncated = 0;
    for (Generator.Generation g : gens) {
      responses.add(decode(g));
      truncated += g.stopped() ? 0 : 1;
    }
    List<RewardResult> scores = ShardedScoring.scoreAll(dist, reward, prompts.stream().map(Prompt::messages).toList(),
        responses, prompts.stream().map(Prompt::metadata).toList());
    double[] x = scores.stream().mapToDouble(RewardResult::score).toArray();
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("reward", mean(x));
    out.put("reward_se", x.length > 1 ? std(x) * Math.sqrt(x.length / (x.length - 1.0)) / Math.sqrt(x.length) : 0);
    out.put("truncated", truncated / Math.max(1, gens.size()));
    out.put("prompts", (double) x.length);
    return out;
  }

  /** {@code (x - mean) / sqrt(var + 1e-8)} with the population variance; fewer than two values: unchanged. */
  static double[] whiten(double[] x) {
    if (x.length < 2) {
      return x.clone();
    }
    double mean = mean(x);
    double sd = Math.sqrt(std(x) * std(x) + 1e-8);
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (x[i] - mean) / sd;
    }
    return out;
  }

  static double mean(double[] x) {
    return Arrays.stream(x).average().orElse(Double.NaN);
  }

  static double mean(boolean[] x) {
    double n = 0;
    for (boolean b : x) {
      n += b ? 1 : 0;
    }
    return x.length == 0 ? Double.NaN : n / x.length;
  }

  /** Population standard deviation. */
  static double std(double[] x) {
    double m = mean(x);
    double v = 0;
    for (double d : x) {
      v += (d - m) * (d - m) / x.length;
    }
    return Math.sqrt(v);
  }

  /** A Fisher-Yates permutation of {@code 0..n-1} drawn from {@code seed}. */
  static int[] shuffled(int n, long seed) {
    return Permutations.shuffled(n, new java.util.Random(seed));
  }

  static long mix(long a, long b) {
    return RejectionSamplingStage.mix(a, b);
  }
}
