package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.align4j.api.ComponentRef;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Models;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.ModelInput;
import org.align4j.core.engine.Tensors;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.core.inject.Services;
import org.align4j.core.metrics.MetricsHub;
import org.align4j.core.plugin.PluginRegistry;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plugin jar that is not on the launcher's class path, used through --plugins. */
class ThirdPartyPluginTest {
  @TempDir Path dir;

  Path recipe(String lossBlock) throws Exception {
    Files.writeString(dir.resolve("words.txt"), "one two three\nfour five\n\nsix\n");
    return Files.writeString(dir.resolve("r.yaml"), """
        name: words
        run_dir: %s
        stages:
          - id: count
            uses: count-words
            inputs: {text: %s}
            options:
              loss: %s
        """.formatted(dir.resolve("run"), dir.resolve("words.txt"), lossBlock));
  }

  @Test
  void aRecipeUsesTheThirdPartyStageAndLoss() throws Exception {
    Path r = recipe("{uses: hinge, margin: 2.0}");
    var cli = Cli.run("run", r.toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(0, cli.exit(), cli.toString());
    var p = new Properties();
    p.load(new StringReader(Files.readString(dir.resolve("run/count/counts"))));
    assertEquals("6", p.getProperty("words"));
    // hinge with margin 2 on gaps (2-1, 0-1) = mean(max(0, 2-1), max(0, 2+1)) = (1 + 3) / 2
    assertEquals(2.0, Double.parseDouble(p.getProperty("loss")), 1e-6);
    assertTrue(Files.readString(dir.resolve("run/metrics.csv")).contains("count,words,4,6.0,"));

    // the bundled loss works in the same slot: ranking without margin = mean(-log sigmoid(gap))
    var cli2 = Cli.run("run", recipe("{uses: ranking, margin: none}").toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(0, cli2.exit(), cli2.toString());
    p.load(new StringReader(Files.readString(dir.resolve("run/count/counts"))));
    double expected = (Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(1))) / 2;
    assertEquals(expected, Double.parseDouble(p.getProperty("loss")), 1e-6);
  }

  @Test
  void withoutThePluginTheStageIsUnknownAndBadOptionsAreLocated() throws Exception {
    Path r = recipe("{uses: hinge, margin: 2.0}");
    var cli = Cli.run("validate", r.toString());
    assertEquals(2, cli.exit(), cli.toString());
    assertTrue(cli.err().contains("r.yaml:5:11: unknown stage 'count-words'"), cli.err());

    var bad = Cli.run("validate", recipe("{uses: hinge, margin: -1}").toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(2, bad.exit(), bad.toString());
    assertTrue(bad.err().contains("r.yaml:8:13: loss/reward-model 'hinge'"), bad.err());
    assertTrue(bad.err().contains("margin must be >= 0, got -1.0"), bad.err());

    var typo = Cli.run("validate", recipe("{uses: hinj}").toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(2, typo.exit(), typo.toString());
    assertTrue(typo.err().contains("unknown loss/reward-model 'hinj'; did you mean 'hinge'?"), typo.err());
  }

  @Test
  void pluginsCommandListsProvidersWithTheirSourceJar() {
    var cli = Cli.run("plugins", "--plugins", Cli.examplePlugins().toString());
    assertEquals(0, cli.exit(), cli.toString());
    assertTrue(cli.out().matches("(?s).*count-words .*align4j-example-plugin\\.jar\\].*"), cli.out());
    assertTrue(cli.out().matches("(?s).*hinge .*align4j-example-plugin\\.jar\\].*"), cli.out());
    assertTrue(cli.out().contains("margin"), cli.out());
    assertFalse(cli.err().contains("warning"), cli.err());
  }

  /**
   * The plugin's sliding-window variant (query i sees keys i-W+1..i) against {@link MaskedSoftmaxLlama}, a reference
   * written here with explicit masked softmax attention, on a GQA model saved and loaded through its config.json:
   * the full forward of plain and packed rows, and KV-cache decoding of two left-padded prompts longer than the
   * window. A window of at least the sequence length equals plain causal attention (the fused kernel); a smaller
   * one does not, so the comparison can fail.
   */
  @Test
  void slidingWindowAttentionFromThePluginEqualsExplicitMaskedSoftmax() throws Exception {
    var services = new Services(PluginRegistry.load(List.of(Cli.examplePlugins())), RecipeDefaults.of(Map.of("threads", 1)),
        new MetricsHub());
    Models models = services.get(Models.class);
    Generator generator = services.get(Generator.class);
    ModelConfig plain = ModelConfig.llama(48, 32, 2, 4, 2).withIntermediateSize(48);
    int t = 10;
    List<int[]> prompts = List.of(new int[] {5, 17, 3, 41, 8, 22, 9}, new int[] {30, 2, 14, 6});
    int newTokens = 6; // decoded sequences reach 13 tokens
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard();
        LanguageModel causal = sharpened(models.create(plain, 3))) {
      Tensor ids = Tensors.longs(new long[] {1, 7, 19, 4, 33, 12, 7, 45, 2, 28, 3, 3, 16, 40, 9, 21, 11, 5, 26, 8}, 2, t);
      Tensor positions = torch.arange(new Scalar(t)).expand(2, t);
      Tensor segments = Tensors.longs(new long[] {0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, t);
      Tensor packedMask = causal(t).logical_and(segments.view(t, 1).eq(segments.view(1, t))).view(1, 1, t, t);
      Tensor packedPositions = Tensors.longs(new long[] {0, 1, 2, 3, 0, 1, 2, 3, 4, 5}, 1, t).expand(2, t);
      var plainGenerations = generator.generate(causal, prompts, Generator.Sampling.greedy(newTokens));
      for (int window : new int[] {1, 3, t, 15}) {
        ModelConfig cfg = plain.withAttention(new ComponentRef("sliding-window", Map.of("window", window, "kv_heads", 2)));
        Path saved = dir.resolve("window-" + window);
        try (LanguageModel made = sharpened(models.create(cfg, 3))) {
          models.save(made, saved);
        }
        assertTrue(Files.readString(saved.resolve("config.json")).matches("(?s).*\"align4j_attention\" : \\{.*\"uses\" : \"sliding-window\".*"));
        try (LanguageModel m = models.load(saved, Models.LoadOptions.frozen())) {
          String what = "window " + window;
          Tensor want = MaskedSoftmaxLlama.logits(m, ids, positions, band(t, window).view(1, 1, t, t));
          Tensor got = m.logits(ModelInput.causal(ids));
          assertClose(want, got, what + ", full forward");
          Tensor packedWant = MaskedSoftmaxLlama.logits(m, ids, packedPositions, packedMask.logical_and(band(t, window)));
          assertClose(packedWant, m.logits(new ModelInput(ids, packedPositions, packedMask)), what + ", packed rows");
          double toPlain = got.sub(causal.logits(ModelInput.causal(ids))).abs().max().item_double();
          if (window >= t) {
            assertTrue(toPlain < 1e-5 * want.abs().max().item_double(), what + " vs plain causal attention: " + toPlain);
          } else {
            assertTrue(toPlain > 1e-2, what + " must differ from plain causal attention: " + toPlain);
          }

          var generations = generator.generate(m, prompts, Generator.Sampling.greedy(newTokens).withBatchSize(2));
          for (int i = 0; i < prompts.size(); i++) {
            int[] seq = generations.get(i).sequence();
            int p = prompts.get(i).length;
            long[] flat = java.util.Arrays.stream(seq).asLongStream().toArray();
            Tensor ref = MaskedSoftmaxLlama.logits(m, Tensors.longs(flat, 1, seq.length),
                torch.arange(new Scalar(seq.length)).view(1, seq.length), band(seq.length, window).view(1, 1, seq.length, seq.length));
            Tensor logprobs = torch.log_softmax(ref.select(0, 0), -1);
            for (int j = 0; j < newTokens; j++) {
              Tensor row = ref.select(0, 0).select(0, p + j - 1);
              int tok = seq[p + j];
              String at = what + ", prompt " + i + ", decode step " + j;
              assertTrue(row.select(0, tok).item_double() >= row.max().item_double() - 1e-4, at + ": not the reference's greedy token");
              assertEquals(logprobs.select(0, p + j - 1).select(0, tok).item_double(), generations.get(i).logprobs()[j], 1e-4, at);
            }
            if (window >= seq.length) {
              assertEquals(java.util.Arrays.toString(plainGenerations.get(i).tokens()),
                  java.util.Arrays.toString(generations.get(i).tokens()), what + ": same greedy tokens as plain attention");
            }
          }
        }
      }
    }
  }

  /**
   * The recipe path: {@code attention: {uses: sliding-window, window: W}} in a pretrain stage is checked at
   * validation, recorded in the checkpoint's config.json, and a later stage loads and decodes the model with it.
   */
  @Test
  void aRecipePretrainsAndGeneratesWithThePluginsAttention() throws Exception {
    String recipe = """
        name: window
        run_dir: %s
        defaults: {threads: 1, chat_format: llama3, tokenizer: "${stages.tokenizer.outputs.tokenizer}"}
        stages:
        """ + TinyRecipes.tasksAndTokenizer("{corpus_text: data/corpus.txt}", 10, 8, 0, 400).replace("%", "%%") + """
          - id: pretrain
            uses: pretrain
            inputs: {corpus: "${stages.tasks.outputs.corpus_text}"}
            options: {hidden_size: 32, layers: 1, heads: 2, attention: %s, seq_len: 32, batch_size: 4, steps: 3}
          - id: generate
            uses: generate
            inputs: {model: "${stages.pretrain.outputs.model}", prompts: "${stages.tasks.outputs.eval_prompts}"}
            options: {policy: base, max_new_tokens: 12}
        """;
    Path bad = Files.writeString(dir.resolve("bad.yaml"), recipe.formatted(dir.resolve("run"), "{uses: sliding-window, window: 0}"));
    var invalid = Cli.run("validate", bad.toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(2, invalid.exit(), invalid.toString());
    assertTrue(invalid.err().contains("window must be >= 1, got 0"), invalid.err());

    Path good = Files.writeString(dir.resolve("good.yaml"), recipe.formatted(dir.resolve("run"), "{uses: sliding-window, window: 4}"));
    var cli = Cli.run("run", good.toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(0, cli.exit(), cli.toString());
    String config = Files.readString(dir.resolve("run/pretrain/model/config.json"));
    assertTrue(config.matches("(?s).*\"align4j_attention\" : \\{\\s*\"uses\" : \"sliding-window\",\\s*\"window\" : 4\\s*}.*"), config);
    assertTrue(Files.exists(dir.resolve("run/generate/samples")), cli.toString());
  }

  /** Weights scaled up from the 0.02 initialisation, so attention is peaked and a narrower window changes the logits. */
  private static LanguageModel sharpened(LanguageModel m) {
    try (NoGradGuard g = new NoGradGuard()) {
      for (var e : m.parameters().entrySet()) {
        if (!e.getKey().endsWith("norm.weight")) {
          e.getValue().mul_(new Scalar(20.0));
        }
      }
    }
    return m;
  }

  /** [T, T] lower triangle: key column <= query row. */
  private static Tensor causal(int t) {
    Tensor i = torch.arange(new Scalar(t));
    return i.view(1, t).le(i.view(t, 1));
  }

  /** [T, T] causal rows that see only the last {@code window} keys. */
  private static Tensor band(int t, int window) {
    Tensor i = torch.arange(new Scalar(t));
    return causal(t).logical_and(i.view(t, 1).sub(i.view(1, t)).lt(new Scalar(window)));
  }

  private static void assertClose(Tensor want, Tensor got, String what) {
    double scale = want.abs().max().item_double();
    double diff = got.sub(want).abs().max().item_double();
    assertTrue(diff < 2e-5 * scale, what + ": max |engine - reference| " + diff + " at logit scale " + scale);
  }
}
