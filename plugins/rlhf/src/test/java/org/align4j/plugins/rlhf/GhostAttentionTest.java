package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.data.Schemas;
import org.align4j.api.engine.Generator;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;
import org.align4j.core.Align4j;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.core.pipeline.RunResult;
import org.align4j.toolkit.data.Rows;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ghost Attention's data: the instruction in every user turn at sampling time, only in the first turn in the written
 * rows, and loss on the last answer only (exact token masks); the stage's filter and counts; adherence by turn.
 */
class GhostAttentionTest {
  static final String INST = "Always start your answer with Arr.";

  @BeforeAll
  static void oneThread() {
    torch.set_num_threads(1);
  }

  static RuleDialogue dialogue(long index, String... users) {
    return new RuleDialogue(index, List.of(users), INST, Map.of("rule", "prefix", "arg", "Arr"));
  }

  @Test
  void samplingPromptsCarryTheInstructionInEveryTurnTrainingRowsInTheFirstOnly() {
    RuleDialogue d = dialogue(0, "What is 2 + 2?", "Name 2 fruits.", "Spell cat.");
    assertEquals(List.of(Message.user(INST + " What is 2 + 2?"), Message.assistant("Arr, 4"),
        Message.user(INST + " Name 2 fruits.")), d.everyTurn(List.of("Arr, 4"), "{instruction} {user}"));
    List<String> answers = List.of("Arr, 4", "Arr, apple, pear", "Arr, c-a-t");
    assertEquals(List.of(Message.system(INST), Message.user("What is 2 + 2?"), Message.assistant("Arr, 4"),
        Message.user("Name 2 fruits."), Message.assistant("Arr, apple, pear"), Message.user("Spell cat."),
        Message.assistant("Arr, c-a-t")), d.firstTurnOnly(answers, RuleDialogue.FirstTurn.SYSTEM, "{instruction} {user}"));
    assertEquals(List.of(Message.user("What is 2 + 2?\n" + INST), Message.assistant("Arr, 4"),
        Message.user("Name 2 fruits."), Message.assistant("Arr, apple, pear"), Message.user("Spell cat."),
        Message.assistant("Arr, c-a-t")), d.firstTurnOnly(answers, RuleDialogue.FirstTurn.USER, "{user}\n{instruction}"));
    assertThrows(IllegalArgumentException.class, () -> RuleDialogue.checkTemplate("{user} only"));
  }

  /**
   * A generator that answers every prompt with a fixed text and records the prompts it was given: what the model saw
   * at each turn.
   */
  static final class Recording implements Generator {
    final List<int[]> prompts = new ArrayList<>();
    final Tokenizer tok;
    final String answer;

    Recording(Tokenizer tok, String answer) {
      this.tok = tok;
      this.answer = answer;
    }

    @Override
    public List<Generation> generate(LanguageModel model, List<int[]> ps, Sampling sampling) {
      List<Generation> out = new ArrayList<>();
      for (int[] p : ps) {
        prompts.add(p);
        int[] a = tok.encode(answer);
        int[] t = Arrays.copyOf(a, a.length + 1);
        t[a.length] = sampling.stopTokens().iterator().next();
        out.add(new Generation(p, t, new float[t.length], true));
      }
      return out;
    }

    @Override
    public List<float[]> logprobs(LanguageModel model, List<int[]> sequences, int batchSize) {
      throw new UnsupportedOperationException();
    }
  }

  static int count(String text, String word) {
    return text.split(java.util.regex.Pattern.quote(word), -1).length - 1;
  }

  @Test
  void theSamplerShowsTheInstructionInEveryTurnOrOnlyTheFirst(@TempDir Path tmp) {
    Tokenizer tok = Fixtures.tokenizer();
    ChatFormat format = Fixtures.llama3();
    List<RuleDialogue> ds = List.of(dialogue(0, "What is 1 + 1?", "What is 2 + 2?", "What is 3 + 3?"),
        dialogue(1, "Spell cat.", "Spell dog."));
    try (LanguageModel model = Fixtures.MODELS.load(Fixtures.tinyModel(tmp.resolve("m"), 3),
        org.align4j.api.engine.Models.LoadOptions.frozen())) {
      var every = new Recording(tok, "Arr, ok");
      var r = new TurnSampler(every, format, tok, Generator.Sampling.greedy(8))
          .sample(model, ds, 3, (d, a) -> d.everyTurn(a, "{instruction} {user}"), 1);
      assertEquals(List.of(List.of("Arr, ok", "Arr, ok", "Arr, ok"), List.of("Arr, ok", "Arr, ok")), r.answers());
      // turn 1: both dialogues, turn 2: both, turn 3: the first only; turn t's prompt has t instructions
      int[] turnOf = {1, 1, 2, 2, 3};
      assertEquals(5, every.prompts.size());
      for (int i = 0; i < 5; i++) {
        String text = tok.decode(every.prompts.get(i));
        assertEquals(turnOf[i], count(text, INST), "prompt " + i + ": " + text);
        assertEquals(r.promptTokens().get(i % 2).get(turnOf[i] - 1), every.prompts.get(i).length);
      }
      var once = new Recording(tok, "Arr, ok");
      new TurnSampler(once, format, tok, Generator.Sampling.greedy(8))
          .sample(model, ds, 3, (d, a) -> d.firstTurnOnly(a, RuleDialogue.FirstTurn.SYSTEM, "{instruction} {user}"), 1);
      for (int[] p : once.prompts) {
        assertEquals(1, count(tok.decode(p), INST));
      }
      assertEquals(count(tok.decode(once.prompts.get(4)), "Arr, ok"), 2, "the earlier answers are in the prompt");
    }
  }

  /**
   * The written row's loss mask under {@code mask: last_assistant} is 0 on every token of the earlier turns (their
   * answers included) and 1 exactly on the last answer and its end token: the tokens after the generation prompt of
   * the last turn, which the chat format renders as a prefix of the whole row.
   */
  @Test
  void theTrainingRowsMaskEveryEarlierTurn() {
    Tokenizer tok = Fixtures.tokenizer();
    var ds = List.of(dialogue(0, "What is 2 + 2?", "Name 2 fruits.", "Spell cat."), dialogue(1, "Hi.", "Bye."));
    var answers = List.of(List.of("Arr, 4", "Arr, apple, pear", "Arr, c-a-t"), List.of("Arr, hello", "bye"));
    var sel = GhostAttentionStage.select(ds, answers, false, RuleDialogue.FirstTurn.SYSTEM, "{instruction} {user}", "p");
    assertEquals(2, sel.rows().size());
    for (String formatId : List.of("llama3", "llama2")) {
      ChatFormat format = Fixtures.services().get(org.align4j.api.text.ChatFormats.class).get(formatId);
      List<Message> conv = Rows.messages(sel.rows().get(0).get(Schemas.MESSAGES));
      RenderedChat r = format.render(conv, tok, MaskPolicy.LAST_ASSISTANT);
      int promptLen = format.renderPrompt(conv.subList(0, conv.size() - 1), tok).length;
      byte[] expected = new byte[r.ids().length];
      Arrays.fill(expected, promptLen, expected.length, (byte) 1);
      assertArrayEquals(expected, r.lossMask(), formatId);
      int[] answerIds = Arrays.copyOfRange(r.ids(), promptLen, r.ids().length);
      assertEquals(format.stopTokens(tok)[0], answerIds[answerIds.length - 1], formatId + " ends with the end token");
      assertEquals("Arr, c-a-t", tok.decode(Arrays.copyOf(answerIds, answerIds.length - 1)).strip(), formatId);
      // the earlier answers are in the row, with loss 0, and the instruction only once
      assertEquals(1, count(format.renderText(conv, false), INST), formatId);
      assertTrue(format.renderText(conv, false).contains("Arr, apple, pear"));
    }
  }

  @Test
  void theFilterKeepsOnlyDialoguesThatKeepTheRuleInEveryTurn() {
    var d0 = dialogue(0, "a?", "b?");
    var d1 = dialogue(1, "c?", "d?", "e?");
    var d2 = dialogue(2, "f?");
    // d0 sampled twice (samples_per_prompt 2): once breaking the rule in turn 2
    var samples = List.of(d0, d0, d1, d2);
    var answers = List.of(List.of("Arr, 1", "Arr, 2"), List.of("Arr, 1", "2"), List.of("Arr, x", "Arr, y"),
        List.<String>of());
    var sel = GhostAttentionStage.select(samples, answers, true, RuleDialogue.FirstTurn.SYSTEM, "{instruction} {user}",
        "rlhf-v2");
    assertEquals(2, sel.rows().size());
    assertEquals(1, sel.ruleBroken());
    assertEquals(1, sel.empty());
    assertEquals(2, sel.stoppedEarly(), "d1 stopped after 2 of 3 turns, d2 before its first");
    assertEquals(Map.of(2, 2L), sel.keptByTurns());
    Map<String, Object> row = sel.rows().get(1);
    assertEquals(List.of(Message.system(INST), Message.user("c?"), Message.assistant("Arr, x"), Message.user("d?"),
        Message.assistant("Arr, y")), Rows.messages(row.get(Schemas.MESSAGES)), "cut at its last sampled turn");
    assertEquals("rlhf-v2", row.get(Schemas.POLICY));
    assertEquals(2, row.get(GhostAttentionStage.TURNS));
    assertEquals("arg=Arr;rule=prefix", row.get(Schemas.CHECK));
    // sampled adherence: turn 1 all 3 non-empty samples follow, turn 2 two of three (d0's two samples one cluster)
    @SuppressWarnings("unchecked")
    var byTurn = (List<Map<String, Object>>) sel.adherence().get("by_turn");
    assertEquals(1.0, (Double) byTurn.get(0).get("rate"), 1e-12);
    assertEquals(2.0 / 3, (Double) byTurn.get(1).get("rate"), 1e-12);
    assertEquals(2, byTurn.get(1).get("dialogues"));
    var keepAll = GhostAttentionStage.select(samples, answers, false, RuleDialogue.FirstTurn.SYSTEM,
        "{instruction} {user}", "p");
    assertEquals(3, keepAll.rows().size());
  }

  /** Hand-computed: rate = y / n, se = sqrt(G / (G - 1) * sum_g (y_g - rate n_g)^2) / n. */
  @Test
  void adherenceByTurnWithClusteredStandardErrors() {
    var s = List.of(new Adherence.Sample(0, "prefix", new boolean[] {true, true, false}),
        new Adherence.Sample(1, "upper", new boolean[] {true, false, false}),
        new Adherence.Sample(2, "upper", new boolean[] {true, true}),
        new Adherence.Sample(3, "prefix", new boolean[] {false, false, true}));
    var t = Adherence.byTurn(s, 3);
    assertEquals(0.75, t.get(0).rate(), 1e-12);
    assertEquals(0.25, t.get(0).se(), 1e-12); // sqrt(4/3 * (3 * 0.25^2 + 0.75^2)) / 4 = 1/4
    assertEquals(0.5, t.get(1).rate(), 1e-12);
    assertEquals(1.0 / 3, t.get(2).rate(), 1e-12);
    assertEquals(3, t.get(2).observations(), "dialogue 2 stopped after turn 2");
    assertEquals(1.0 / 3, t.get(2).se(), 1e-12); // sqrt(3/2 * (2/9 + 4/9)) / 3 = 1/3
    var all = Adherence.rate(s, 1, 3);
    assertEquals(6.0 / 11, all.rate(), 1e-12);
    assertEquals(Math.sqrt(4.0 / 3 * (16 + 49 + 100 + 49) / 121.0) / 11, all.se(), 1e-12);
    // two samples per dialogue: clustered, not the binomial s.e. of 6 observations
    var rep = List.of(new Adherence.Sample(0, "x", new boolean[] {true}), new Adherence.Sample(0, "x", new boolean[] {true}),
        new Adherence.Sample(1, "x", new boolean[] {false}), new Adherence.Sample(1, "x", new boolean[] {false}),
        new Adherence.Sample(2, "x", new boolean[] {true}), new Adherence.Sample(2, "x", new boolean[] {true}));
    var r = Adherence.rate(rep, 1, 1);
    assertEquals(2.0 / 3, r.rate(), 1e-12);
    assertEquals(1.0 / 3, r.se(), 1e-12); // sqrt(3/2 * (4/9 + 16/9 + 4/9)) / 6
    assertEquals(3, r.clusters());
    Map<String, Object> summary = Adherence.summary(s, 3);
    @SuppressWarnings("unchecked")
    var late = (Map<String, Object>) summary.get("late_turns");
    assertEquals(2, late.get("from_turn"));
    assertEquals(3.0 / 7, (Double) late.get("rate"), 1e-12); // turns 2-3: 1+0+1+1 of 2+2+1+2
    @SuppressWarnings("unchecked")
    var byRule = (Map<String, Map<String, Object>>) summary.get("by_rule");
    assertEquals(3.0 / 5, (Double) byRule.get("upper").get("rate"), 1e-12);
  }

  static Map<String, Object> row(String system, String check, List<Message> messages) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put(Schemas.MESSAGES, messages);
    r.put(Schemas.SYSTEM, system);
    r.put(Schemas.CHECK, check);
    return r;
  }

  static final org.apache.arrow.vector.types.pojo.Schema DIALOGUES = Schemas.extend(Schemas.MESSAGES_ONLY,
      List.of(Schemas.utf8(Schemas.SYSTEM), Schemas.utf8(Schemas.CHECK)));

  @Test
  void badDialogueRowsNameTheFileRowAndColumn(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("d.arrow");
    try (var store = new ArrowDatasetStore()) {
      store.write(file, DIALOGUES, List.of(
          row(INST, "rule=prefix;arg=Arr", List.of(Message.user("a?"), Message.assistant("Arr, a"), Message.user("b?"))),
          row(null, "rule=prefix;arg=Arr", List.of(Message.user("a?")))).iterator());
      var e = assertThrows(Align4jException.class, () -> RuleDialogue.read(store, file, 0, 1));
      assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("'system'"), e.getMessage());
      var few = assertThrows(Align4jException.class, () -> RuleDialogue.read(store, file, 1, 8));
      assertTrue(few.getMessage().contains("row 0") && few.getMessage().contains("2 user turns"), few.getMessage());
      assertEquals(List.of("a?", "b?"), RuleDialogue.read(store, file, 1, 2).get(0).users());
    }
    Path badRule = tmp.resolve("r.arrow");
    try (var store = new ArrowDatasetStore()) {
      store.write(badRule, DIALOGUES, List.<Map<String, Object>>of(row(INST, "rule=rhyme", List.of(Message.user("a?"))))
          .iterator());
      var e = assertThrows(Align4jException.class, () -> RuleDialogue.read(store, badRule, 0, 1));
      assertTrue(e.getMessage().contains("row 0") && e.getMessage().contains("'check'"), e.getMessage());
    }
  }

  /** Both stages on a tiny random model: outputs written, counts add up, adherence for every one of N turns. */
  @Test
  void theStagesRunOnATinyModel(@TempDir Path tmp) throws Exception {
    Path model = Fixtures.tinyModel(tmp.resolve("policy"), 8);
    Path file = tmp.resolve("dialogues.arrow");
    var rows = new ArrayList<Map<String, Object>>();
    for (int i = 0; i < 4; i++) {
      var msgs = new ArrayList<Message>();
      for (int t = 0; t < 8; t++) {
        msgs.add(Message.user("What is " + i + " + " + t + "?"));
        msgs.add(Message.assistant("[" + (i + t) + "]"));
      }
      rows.add(row("Always put your answer in brackets.", "rule=brackets;arg=", msgs));
    }
    try (var store = new ArrowDatasetStore()) {
      store.write(file, DIALOGUES, rows.iterator());
    }
    RunResult g = Align4j.create().stage("ghost-attention").id("gatt-data")
        .input("model", model).input("dialogues", file)
        .option("max_new_tokens", 6).option("max_turns", 3).option("min_kept", 0).option("samples_per_prompt", 2)
        .defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve("run"));
    assertTrue(g.ok(), g.stages().toString());
    Map<String, Object> report = StageFiles.readJson(tmp.resolve("run/gatt-data/report"));
    assertEquals(8, ((Number) report.get("samples")).intValue());
    assertEquals(8, ((Number) report.get("kept")).intValue() + ((Number) report.get("dropped")).intValue(),
        report.toString());
    RunResult a = Align4j.create().stage("adherence").id("adh")
        .input("model", model).input("dialogues", file).option("turns", 8).option("max_new_tokens", 6)
        .defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve("run"));
    assertTrue(a.ok(), a.stages().toString());
    Map<String, Object> adh = StageFiles.readJson(tmp.resolve("run/adh/adherence"));
    @SuppressWarnings("unchecked")
    var byTurn = (List<Map<String, Object>>) adh.get("by_turn");
    assertEquals(8, byTurn.size());
    for (int t = 0; t < 8; t++) {
      assertEquals(t + 1, byTurn.get(t).get("turn"));
      assertEquals(4, byTurn.get(t).get("n"), "every dialogue answered turn " + (t + 1));
    }
    try (var store = new ArrowDatasetStore()) {
      assertEquals(32, store.count(tmp.resolve("run/adh/samples")));
    }
  }

  @Test
  void optionsBindWithDefaultsAndBadOnesAreRefused(@TempDir Path tmp) {
    OptionsValidationTest.touch(tmp.resolve("d.arrow"));
    Path model = OptionsValidationTest.dir(tmp.resolve("model"));
    var g = (GhostAttentionStage.Options) Align4j.create().stage("ghost-attention").input("model", model)
        .input("dialogues", tmp.resolve("d.arrow")).validate(tmp.resolve("run")).stages().get(0).options();
    assertEquals("{instruction} {user}", g.instructionTemplate());
    assertEquals(RuleDialogue.FirstTurn.SYSTEM, g.firstTurn());
    assertEquals(0.7, g.sampling().temperature());
    assertTrue(g.requireRule());
    var a = (AdherenceStage.Options) Align4j.create().stage("adherence").input("model", model)
        .input("dialogues", tmp.resolve("d.arrow")).option("first_turn", "user").validate(tmp.resolve("run"))
        .stages().get(0).options();
    assertEquals(8, a.turns());
    assertEquals(0.0, a.sampling().temperature(), "greedy by default");
    assertEquals(RuleDialogue.FirstTurn.USER, a.firstTurn());
    var bad = assertThrows(org.align4j.core.recipe.RecipeException.class, () -> Align4j.create().stage("adherence")
        .input("model", model).input("dialogues", tmp.resolve("d.arrow")).option("turns", 0)
        .option("instruction_template", "{user}").validate(tmp.resolve("run"))).getMessage();
    assertTrue(bad.contains("turns must be in [1, 64]") && bad.contains("{instruction} and {user}"), bad);
  }
}
