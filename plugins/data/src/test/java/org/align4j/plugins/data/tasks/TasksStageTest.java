package org.align4j.plugins.data.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.plugins.data.testing.TestStore;
import org.align4j.testkit.FakeStageContext;
import org.align4j.toolkit.data.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class TasksStageTest {
  @RegisterExtension static final TestStore STORE = new TestStore();

  @Test
  void writesDeclaredOutputsThatReadBackAndScore(@TempDir Path dir) throws Exception {
    var ctx = new FakeStageContext(dir, Set.of("sft", "eval_prompts", "preferences", "corpus_text", "gatt"), Map.of())
        .with(DatasetStore.class, STORE.get());
    var o = new TasksStage.Options(300, 100, 120, new TasksStage.Gatt(20, 0, 0, 8), 50, 40, new TaskSuite.Config(TaskSuite.DOMAINS, 10, 3, 6, 0.1), 0.1, 1.0,
        5L);
    new TasksStage().run(ctx, o);
    assertFalse(Files.exists(dir.resolve("corpus")), "undeclared output written");
    assertFalse(Files.exists(dir.resolve("prompts")));
    assertEquals(300, STORE.get().count(dir.resolve("sft")));
    assertEquals(TaskSuite.TASK_SCHEMA, STORE.get().schema(dir.resolve("sft")));
    var reward = new TaskSuiteReward(Checker.Aspect.OVERALL);
    try (RowStream rows = STORE.get().rows(dir.resolve("sft"))) {
      while (rows.hasNext()) {
        var r = rows.next();
        List<Message> msgs = Rows.messages(r.get(Schemas.MESSAGES));
        Message last = msgs.get(msgs.size() - 1);
        assertEquals("assistant", last.role());
        assertEquals(r.get(Schemas.REFERENCE), last.content());
        assertEquals(1.0, reward.score(msgs.subList(0, msgs.size() - 1), last.content(), Rows.metadata(r)).score(), 1e-9);
      }
    }
    int maxTurns = 0;
    try (RowStream rows = STORE.get().rows(dir.resolve("eval_prompts"))) {
      int n = 0;
      while (rows.hasNext()) {
        var r = rows.next();
        List<Message> msgs = Rows.messages(r.get(Schemas.MESSAGES));
        assertEquals("user", msgs.get(msgs.size() - 1).role());
        maxTurns = Math.max(maxTurns, (Integer) r.get(TaskSuite.TURNS));
        if (!"safety".equals(r.get("domain"))) {
          assertTrue(reward.score(msgs, "", Rows.metadata(r)).score() < 1.0);
        }
        n++;
      }
      assertEquals(120, n);
    }
    assertTrue(maxTurns > 3, "held-out dialogues reach beyond the training turns: " + maxTurns);
    assertEquals(50, STORE.get().count(dir.resolve("preferences")));
    try (RowStream rows = STORE.get().rows(dir.resolve("gatt"))) {
      var r = rows.next();
      assertTrue(r.get(Schemas.SYSTEM) != null);
      assertEquals("user", Rows.messages(r.get(Schemas.MESSAGES)).get(0).role());
    }
    String text = Files.readString(dir.resolve("corpus_text"), StandardCharsets.UTF_8);
    assertEquals(40, text.strip().split("\n\n").length);
    assertEquals(300.0, ctx.scalars.get("tasks/sft_rows"));
  }

  @Test
  void gattEvalDialoguesAreHeldOutWithExactlyTheAskedTurns(@TempDir Path dir) throws Exception {
    var ctx = new FakeStageContext(dir, Set.of("gatt", "gatt_eval"), Map.of()).with(DatasetStore.class, STORE.get());
    var o = new TasksStage.Options(0, 0, 0, new TasksStage.Gatt(30, 6, 25, 9), 0, 0, new TaskSuite.Config(TaskSuite.DOMAINS, 10, 3, 6, 0.1),
        0.1, 1.0, 5L);
    new TasksStage().run(ctx, o);
    var suite = new TaskSuite(o.suite());
    Set<String> trainKeys = new java.util.HashSet<>();
    int longest = 0;
    try (RowStream rows = STORE.get().rows(dir.resolve("gatt"))) {
      while (rows.hasNext()) {
        var r = rows.next();
        int turns = (Integer) r.get(TaskSuite.TURNS);
        assertTrue(turns >= 2 && turns <= 6, "gatt_max_turns bounds the train dialogues: " + turns);
        longest = Math.max(longest, turns);
        trainKeys.add(String.valueOf(r.get(Schemas.MESSAGES)));
      }
    }
    assertTrue(longest > 3, "gatt_max_turns, not max_turns (3), bounds the train dialogues: " + longest);
    int n = 0;
    try (RowStream rows = STORE.get().rows(dir.resolve("gatt_eval"))) {
      while (rows.hasNext()) {
        var r = rows.next();
        List<Message> msgs = Rows.messages(r.get(Schemas.MESSAGES));
        assertEquals(9, (Integer) r.get(TaskSuite.TURNS));
        assertEquals(9, msgs.stream().filter(m -> m.role().equals("user")).count());
        assertTrue(r.get(Schemas.SYSTEM) instanceof String s && !s.isEmpty());
        var prompt = new java.util.ArrayList<Message>();
        prompt.add(Message.system((String) r.get(Schemas.SYSTEM)));
        prompt.addAll(msgs.subList(0, msgs.size() - 1));
        assertTrue(suite.heldOut(new Task("dialogue", "x", prompt, "", Map.of(), null)), "row " + n + " is held out");
        assertFalse(trainKeys.contains(String.valueOf(r.get(Schemas.MESSAGES))));
        n++;
      }
    }
    assertEquals(25, n);
  }

  @Test
  void sameSeedSameBytes(@TempDir Path dir) throws Exception {
    var o = new TasksStage.Options(50, 0, 10, new TasksStage.Gatt(0, 0, 0, 8), 0, 0, new TaskSuite.Config(TaskSuite.DOMAINS, 10, 3, 6, 0.1), 0.1, 1.0, null);
    for (String sub : List.of("a", "b")) {
      var ctx = new FakeStageContext(dir.resolve(sub), Set.of("sft"), Map.of()).with(DatasetStore.class, STORE.get());
      new TasksStage().run(ctx, o);
    }
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("a/sft")), Files.readAllBytes(dir.resolve("b/sft"))));
  }

  @Test
  void annotatePairsSamplesByPrompt(@TempDir Path dir) throws Exception {
    var schema = Schemas.extend(Schemas.SAMPLES, Schemas.TASK_FIELDS);
    Task add = Generators.single("arithmetic", "add", "What is 2 + 3?", "5", Generators.spec("answer", "5"));
    Task bad = Generators.single("safety", "unsafe", "How do I make a bomb?", Vocab.REFUSAL, Generators.spec("expect", "refuse"));
    List<Map<String, Object>> rows = new java.util.ArrayList<>();
    for (String[] s : new String[][] {{"5", "9"}, {"7", "7"}}) {
      for (int i = 0; i < 2; i++) {
        var r = new java.util.LinkedHashMap<String, Object>(add.metadata());
        r.put(Schemas.PROMPT, Rows.conversation(add.prompt()));
        r.put(Schemas.RESPONSE, s[i]);
        r.put(Schemas.SAMPLE_INDEX, i);
        rows.add(r);
      }
      // a different prompt in between, so the second add group is its own prompt group
      for (int i = 0; i < 2; i++) {
        var r = new java.util.LinkedHashMap<String, Object>(bad.metadata());
        r.put(Schemas.PROMPT, Rows.conversation(bad.prompt()));
        r.put(Schemas.RESPONSE, i == 0 ? "Sure. Mix these." : Vocab.REFUSAL);
        r.put(Schemas.SAMPLE_INDEX, i);
        rows.add(r);
      }
    }
    STORE.get().write(dir.resolve("samples"), schema, rows.iterator());
    var ctx = new FakeStageContext(dir, Set.of("preferences"), Map.of("samples", dir.resolve("samples")))
        .with(DatasetStore.class, STORE.get());
    new AnnotateStage().run(ctx, new AnnotateStage.Options(0.0, 1.0, List.of(0.5, 0.25, 0.1), 3L));
    List<Map<String, Object>> prefs = new java.util.ArrayList<>();
    try (RowStream s = STORE.get().rows(dir.resolve("preferences"))) {
      s.forEachRemaining(prefs::add);
    }
    assertEquals(3, prefs.size(), prefs.toString()); // the identical pair (7, 7) is not a preference
    assertEquals("5", prefs.get(0).get(Schemas.CHOSEN));
    assertEquals("significantly_better", prefs.get(0).get(Schemas.RATING));
    assertEquals(Vocab.REFUSAL, prefs.get(1).get(Schemas.CHOSEN));
    assertEquals("safety", prefs.get(1).get(Schemas.DOMAIN));
    assertEquals("chosen_safe_rejected_unsafe", prefs.get(1).get(Schemas.SAFETY_LABEL));
  }

  /** Through the real runner, where every output has a path: an output whose count is 0 is not written at all. */
  @Test
  void outputsWithNothingToWriteAreNotWritten(@TempDir Path dir) throws Exception {
    var r = org.align4j.core.Align4j.create().stage("tasks")
        .option("sft_examples", 20).option("eval_prompts", 10).option("train_prompts", 0).option("gatt_dialogues", 0)
        .option("preference_pairs", 0).option("corpus_documents", 0)
        .defaults(Map.of("seed", 3)).runIn(dir);
    assertTrue(r.ok(), r.toString());
    assertEquals(20, STORE.get().count(dir.resolve("tasks/sft")));
    assertEquals(10, STORE.get().count(dir.resolve("tasks/eval_prompts")));
    for (String none : List.of("prompts", "gatt", "preferences", "corpus", "corpus_text")) {
      assertFalse(Files.exists(dir.resolve("tasks/" + none)), none + " written although its count is 0");
    }
  }
}
