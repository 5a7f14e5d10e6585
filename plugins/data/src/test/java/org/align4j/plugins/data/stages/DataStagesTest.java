package org.align4j.plugins.data.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.ChatFormats;
import org.align4j.api.text.Message;
import org.align4j.api.text.Tokenizers;
import org.align4j.plugins.data.testing.FakeText;
import org.align4j.plugins.data.testing.TestStore;
import org.align4j.plugins.data.transforms.Packing;
import org.align4j.testkit.FakeStageContext;
import org.align4j.toolkit.data.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class DataStagesTest {
  @RegisterExtension static final TestStore STORE = new TestStore();

  static List<Map<String, Object>> read(Path p) throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    try (RowStream s = STORE.get().rows(p)) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  static Path conversations(Path dir, int n) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(Map.of(Schemas.MESSAGES, Rows.conversation(List.of(Message.user("q" + (i % 50)), Message.assistant("a" + (i % 50))))));
    }
    Path p = dir.resolve("conv");
    STORE.get().write(p, Schemas.CONVERSATIONS, rows.iterator());
    return p;
  }

  @Test
  void tokenizeAndPack(@TempDir Path dir) throws Exception {
    Path conv = conversations(dir, 40);
    Tokenizers toks = f -> FakeText.TOKENIZER;
    ChatFormats formats = id -> FakeText.FORMAT;
    var ctx = new FakeStageContext(dir, Set.of("tokenized"), Map.of("data", conv, "tokenizer", dir))
        .with(DatasetStore.class, STORE.get()).with(Tokenizers.class, toks).with(ChatFormats.class, formats);
    new TokenizeStage().run(ctx, new TokenizeStage.Options("fake", "assistant", 0, "drop", new Packing.Options(true, 32, false, 0)));
    var rows = read(dir.resolve("tokenized"));
    assertTrue(rows.size() >= 40 * 10 / 32, "packed rows " + rows.size());
    int docs = 0;
    for (var r : rows) {
      int[] seg = Rows.ints(r.get(Schemas.SEGMENT_IDS));
      assertEquals(32, seg.length);
      docs += Packing.segments(seg).size();
    }
    assertEquals(40, docs);
  }

  @Test
  void prepareFiltersDedupsShufflesAndSplits(@TempDir Path dir) throws Exception {
    Path conv = conversations(dir, 200); // 50 distinct conversations, 4 copies each
    var ctx = new FakeStageContext(dir, Set.of("train", "eval"), Map.of("data", conv)).with(DatasetStore.class, STORE.get());
    new PrepareStage().run(ctx, new PrepareStage.Options(null, false, "messages[0].content != 'q7'", "exact", null, 0.8,
        true, 1000, 0.2));
    var train = read(dir.resolve("train"));
    var eval = read(dir.resolve("eval"));
    assertEquals(49, train.size() + eval.size());
    Set<Object> all = new HashSet<>();
    train.forEach(r -> all.add(r.get(Schemas.MESSAGES)));
    eval.forEach(r -> all.add(r.get(Schemas.MESSAGES)));
    assertEquals(49, all.size(), "train and eval are disjoint and duplicate-free");
    assertTrue(eval.size() > 2 && eval.size() < 20, "eval " + eval.size());
  }
}
