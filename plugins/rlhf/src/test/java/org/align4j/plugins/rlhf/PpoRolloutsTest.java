package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.align4j.api.engine.Generator;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelInput;
import org.align4j.api.text.Message;
import org.align4j.core.engine.generate.LocalGenerator;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.toolkit.loss.LogProbs;
import org.align4j.toolkit.loss.Tensors;
import org.align4j.toolkit.model.Masks;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The padded rollout layout against direct computations: each row's log-probs, reference log-probs and values are
 * recomputed from a forward pass over that row's own prompt + response alone (no padding, no batch), and the
 * per-token KL from those numbers.
 */
class PpoRolloutsTest {
  @BeforeAll
  static void oneThread() {
    torch.set_num_threads(1);
  }

  static PpoStage.Options options(Map<String, Object> o) {
    return new OptionsBinder(PluginRegistry.classpath()).bindPlain(PpoStage.Options.class, o, "ppo");
  }

  @Test
  void rolloutColumnsAreTheResponseTokensOfEachRow(@TempDir Path tmp) throws Exception {
    var tok = Fixtures.tokenizer();
    var format = Fixtures.llama3();
    var o = options(Map.of("reward", Map.of("uses", "test-chars"), "max_new_tokens", 9, "mini_batch_size", 2,
        "batch_size", 4, "truncation", "bootstrap"));
    // a random model rarely picks the real stop token: let a third of the ids stop a row, so lengths differ
    Set<Integer> stops = new java.util.HashSet<>();
    for (int id = 0; id < 2048; id += 3) {
      stops.add(id);
    }
    var rollouts = new PpoRollouts(new LocalGenerator(), tok, stops, o, org.align4j.api.engine.Distributed.single());
    List<PpoRollouts.Prompt> prompts = new ArrayList<>();
    String[] users = {"Hi.", "Tell me a long story about rivers and cats.", "Why?", "Tell me about tea."};
    for (String u : users) {
      var msgs = List.of(Message.user(u));
      prompts.add(new PpoRollouts.Prompt(msgs, Map.of(), format.renderPrompt(msgs, tok)));
    }
    try (LanguageModel policy = Fixtures.MODELS.load(Fixtures.tinyModel(tmp.resolve("p"), 11));
        LanguageModel reference = Fixtures.MODELS.load(Fixtures.tinyModel(tmp.resolve("r"), 12),
            org.align4j.api.engine.Models.LoadOptions.frozen());
        LanguageModel value = Fixtures.MODELS.load(tmp.resolve("p"),
            org.align4j.api.engine.Models.LoadOptions.withScoreHead(3));
        PointerScope scope = new PointerScope()) {
      PpoRollouts.Batch b = rollouts.generate(policy, prompts, 99);
      PpoRollouts.Scored s = rollouts.score(b, policy, reference, value, new double[] {1, 2, 3, 4});
      int tr = (int) s.rollout().logProbs().size(1);
      double[] lp = Tensors.toDoubles(s.rollout().logProbs());
      double[] ref = Tensors.toDoubles(s.rollout().referenceLogProbs());
      double[] val = Tensors.toDoubles(s.rollout().values());
      double[] mask = Tensors.toDoubles(s.rollout().mask());
      double[] boot = Tensors.toDoubles(s.rollout().bootstrapValues());
      double[] term = Tensors.toDoubles(s.rollout().terminated());
      double klSum = 0;
      int tokens = 0;
      boolean someShorter = false;
      for (int i = 0; i < users.length; i++) {
        Generator.Generation g = b.generations().get(i);
        int[] seq = g.sequence();
        int p = g.prompt().length;
        int n = g.tokens().length;
        someShorter |= n < tr;
        try (PointerScope row = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
          Tensor ids = Masks.longs(java.util.Arrays.stream(seq).asLongStream().toArray(), 1, seq.length);
          double[] own = Tensors.toDoubles(LogProbs.shiftedTokenLogProbs(policy.logits(ModelInput.causal(ids)), ids,
              null));
          double[] ownRef = Tensors.toDoubles(LogProbs.shiftedTokenLogProbs(reference.logits(ModelInput.causal(ids)),
              ids, null));
          double[] ownV = Tensors.toDoubles(value.scores(ModelInput.causal(ids)));
          for (int t = 0; t < tr; t++) {
            int k = i * tr + t;
            if (t >= n) {
              assertEquals(0.0, mask[k], "padding column masked");
              assertEquals(0.0, lp[k], 0.0);
              continue;
            }
            assertEquals(1.0, mask[k]);
            assertEquals(own[p - 1 + t], lp[k], 2e-5, "row " + i + " token " + t + ": log p(response token)");
            assertEquals(g.logprobs()[t], lp[k], 2e-5, "generator log-prob of row " + i + " token " + t);
            assertEquals(ownRef[p - 1 + t], ref[k], 2e-5, "reference log-prob");
            assertEquals(ownV[p - 1 + t], val[k], 2e-5, "V(s_t) read at the position that chose token t");
            klSum += own[p - 1 + t] - ownRef[p - 1 + t];
            tokens++;
          }
          assertEquals(ownV[p + n - 1], boot[i], 2e-5, "bootstrap value: after the last token");
          assertEquals(g.stopped() ? 1.0 : 0.0, term[i], "truncation: bootstrap marks cut rows");
        }
      }
      assertTrue(someShorter, "the batch mixes response lengths, so padding is exercised");
      assertEquals(klSum / tokens, s.kl().get("kl_per_token"), 1e-5);
      assertEquals(klSum / users.length, s.kl().get("kl_per_sequence"), 1e-4);
    }
  }

  /**
   * A mini-batch shard computed in length-sorted pieces (each cut to its longest row) has the loss and the policy and
   * value gradients of the same rows in one padded forward pass.
   */
  @Test
  void lengthSortedPiecesGiveTheWholeShardsLossAndGradients(@TempDir Path tmp) throws Exception {
    var tok = Fixtures.tokenizer();
    var format = Fixtures.llama3();
    var o = options(Map.of("reward", Map.of("uses", "test-chars"), "max_new_tokens", 7, "mini_batch_size", 10,
        "batch_size", 10));
    Set<Integer> stops = new java.util.HashSet<>();
    for (int id = 0; id < 2048; id += 3) {
      stops.add(id);
    }
    var rollouts = new PpoRollouts(new LocalGenerator(), tok, stops, o, org.align4j.api.engine.Distributed.single());
    List<PpoRollouts.Prompt> prompts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      var msgs = List.of(Message.user("Tell me" + " more".repeat(i * 3) + " about tea."));
      prompts.add(new PpoRollouts.Prompt(msgs, Map.of(), format.renderPrompt(msgs, tok)));
    }
    var loss = org.align4j.api.loss.PolicyLossProvider.resolve(
        Fixtures.services().get(org.align4j.api.Components.class), new org.align4j.api.ComponentRef("ppo", Map.of()));
    try (LanguageModel policy = Fixtures.MODELS.load(Fixtures.tinyModel(tmp.resolve("p"), 11));
        LanguageModel value = Fixtures.MODELS.load(tmp.resolve("p"),
            org.align4j.api.engine.Models.LoadOptions.withScoreHead(3));
        PointerScope scope = new PointerScope()) {
      PpoRollouts.Batch b = rollouts.generate(policy, prompts, 5);
      PpoRollouts.Scored s = rollouts.score(b, policy, policy, value, new double[] {1, -1, 2, 0, 1, 3, -2, 0, 1, 1});
      var adv = loss.advantages(s.rollout());
      long[] rows = {9, 0, 4, 7, 2, 5, 1, 8, 3, 6};
      String[] params = {"model.layers.0.self_attn.q_proj.weight", "lm_head.weight", "score.weight"};
      double[][] whole = new double[params.length][];
      double wholeLoss;
      try (PointerScope step = new PointerScope()) {
        var r = rollouts.shardLoss(s, adv, policy, value, loss, rows, rows.length);
        wholeLoss = Tensors.item(r.loss());
        r.loss().backward();
        for (int k = 0; k < params.length; k++) {
          whole[k] = Tensors.toDoubles(gradOf(policy, value, params[k]));
        }
      }
      zeroGrads(policy);
      zeroGrads(value);
      try (PointerScope step = new PointerScope()) {
        var r = rollouts.shardLoss(s, adv, policy, value, loss, rows, 3);
        assertEquals(wholeLoss, Tensors.item(r.loss()), 1e-6, "loss of 4 pieces vs one pass");
        r.loss().backward();
        for (int k = 0; k < params.length; k++) {
          double[] pieces = Tensors.toDoubles(gradOf(policy, value, params[k]));
          double max = 0;
          for (int j = 0; j < pieces.length; j++) {
            assertEquals(whole[k][j], pieces[j], 1e-6 + 1e-4 * Math.abs(whole[k][j]), params[k] + "[" + j + "]");
            max = Math.max(max, Math.abs(whole[k][j]));
          }
          assertTrue(max > 1e-6, params[k] + " has a gradient: " + max);
        }
      }
    }
  }

  private static Tensor gradOf(LanguageModel policy, LanguageModel value, String name) {
    return name.equals("score.weight") ? value.parameters().get(name).grad() : policy.parameters().get(name).grad();
  }

  private static void zeroGrads(LanguageModel m) {
    for (Tensor p : m.parameters().values()) {
      if (p.grad().defined()) {
        p.grad().zero_();
      }
    }
  }

  /**
   * The PPO loss back-propagates into the value model's scalar head through the rollout's gather layout: the
   * autograd gradient of {@code score.weight} equals central finite differences of the same loss.
   */
  @Test
  void valueHeadGradientMatchesFiniteDifferences(@TempDir Path tmp) {
    var loss = org.align4j.api.loss.PolicyLossProvider.resolve(
        Fixtures.services().get(org.align4j.api.Components.class),
        new org.align4j.api.ComponentRef("ppo", Map.of("value_clip", 0.0, "value_coef", 1.0)));
    try (LanguageModel value = Fixtures.MODELS.load(Fixtures.tinyModel(tmp.resolve("v"), 21),
            org.align4j.api.engine.Models.LoadOptions.withScoreHead(5));
        PointerScope scope = new PointerScope()) {
      long[] seq = {5, 17, 300, 42, 7, 99, 1000, 3, 0, 0};
      Tensor ids = Masks.longs(seq, 2, 5);
      Tensor index = Masks.longs(new long[] {1, 2, 3, 1, 2, 2}, 2, 3);
      Tensor mask = Tensor.create(new float[] {1, 1, 1, 1, 1, 0}, 2, 3);
      Tensor returns = Tensor.create(new float[] {0.5f, -1f, 2f, 0.1f, 0.3f, 0f}, 2, 3);
      Tensor zeros = torch.zeros_like(mask);
      java.util.function.Supplier<Tensor> lossOf = () -> {
        Tensor v = value.scores(ModelInput.causal(ids)).gather(1, index).mul(mask);
        return loss.compute(new org.align4j.api.loss.PolicyBatch(zeros, zeros, null, v, v.detach(), zeros, returns,
            mask, null)).loss();
      };
      Tensor w = value.parameters().get("score.weight");
      lossOf.get().backward();
      double[] grad = Tensors.toDoubles(w.grad());
      double h = 1e-2;
      try (NoGradGuard ng = new NoGradGuard()) {
        for (int j : new int[] {0, 7, 31}) {
          Tensor cell = w.view(-1).narrow(0, j, 1);
          cell.add_(new org.bytedeco.pytorch.Scalar(h));
          double up = Tensors.item(lossOf.get());
          cell.sub_(new org.bytedeco.pytorch.Scalar(2 * h));
          double down = Tensors.item(lossOf.get());
          cell.add_(new org.bytedeco.pytorch.Scalar(h));
          double fd = (up - down) / (2 * h);
          assertEquals(fd, grad[j], 1e-3 + 1e-2 * Math.abs(fd), "d loss / d score.weight[" + j + "]");
          assertTrue(Math.abs(grad[j]) > 1e-4, "a gradient that is there: " + grad[j]);
        }
      }
    }
  }

  @Test
  void promptBatchesWalkSeededPassesOverAllPrompts() {
    List<PpoRollouts.Prompt> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      all.add(new PpoRollouts.Prompt(List.of(Message.user("q" + i)), Map.of(), new int[] {i}));
    }
    List<Integer> seen = new ArrayList<>();
    for (int it = 0; it < 5; it++) {
      for (var p : PpoRollouts.batch(all, it, 4, 7)) {
        seen.add(p.ids()[0]);
      }
    }
    // 20 draws = two full passes: each prompt exactly twice, first pass a permutation of all ten
    assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), Set.copyOf(seen.subList(0, 10)));
    assertEquals(10, Set.copyOf(seen.subList(10, 20)).size());
    assertTrue(!seen.subList(0, 10).equals(seen.subList(10, 20)), "each pass is shuffled anew: " + seen);
    assertEquals(PpoRollouts.batch(all, 3, 4, 7), PpoRollouts.batch(all, 3, 4, 7), "deterministic per iteration");
  }

  @Test
  void leaveOneOutSubtractsTheMeanOfTheOtherSamplesOfThePrompt() {
    // two prompts, three samples each (adjacent rows), by hand
    double[] b = PpoRollouts.leaveOneOut(new double[] {1, 2, 6, 0, 0, 3}, 3);
    assertArrayEquals(new double[] {1 - 4, 2 - 3.5, 6 - 1.5, 0 - 1.5, 0 - 1.5, 3 - 0}, b, 1e-12);
    var p = new PpoRollouts.Prompt(List.of(Message.user("q")), Map.of(), new int[] {1});
    var q = new PpoRollouts.Prompt(List.of(Message.user("r")), Map.of(), new int[] {2});
    assertEquals(List.of(p, p, p, q, q, q), PpoRollouts.repeat(List.of(p, q), 3), "a prompt's samples are adjacent");
  }

  @Test
  void theTagsListReachesTheRewardAsText() {
    Map<String, Object> row = new java.util.LinkedHashMap<>();
    row.put("domain", "safety");
    row.put("tags", List.of("safety", "refusal"));
    row.put("messages", List.of(Message.user("q")));
    Map<String, String> meta = PpoRollouts.metadata(row);
    assertEquals("safety,refusal", meta.get("tags"));
    assertEquals("safety", meta.get("domain"));
    assertTrue(!meta.containsKey("messages"));
  }

  @Test
  void whitenedScoresHaveMeanZeroAndUnitVariance() {
    double[] w = PpoRollouts.whiten(new double[] {1, 2, 3, 6});
    assertEquals(0.0, PpoRollouts.mean(w), 1e-12);
    assertEquals(1.0, PpoRollouts.std(w), 1e-6);
    // by hand: mean 3, population std sqrt(3.5)
    assertEquals((1 - 3) / Math.sqrt(3.5 + 1e-8), w[0], 1e-12);
  }
}
