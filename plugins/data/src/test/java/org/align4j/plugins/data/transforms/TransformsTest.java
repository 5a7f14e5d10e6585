package org.align4j.plugins.data.transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.align4j.api.Align4jException;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.plugins.data.testing.FakeText;
import org.align4j.toolkit.data.Rows;
import org.junit.jupiter.api.Test;

class TransformsTest {
  static List<Map<String, Object>> conversations(int n, long seed) {
    Random rng = new Random(seed);
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Message> m = new ArrayList<>();
      int turns = 1 + rng.nextInt(2);
      for (int t = 0; t < turns; t++) {
        m.add(Message.user("q" + "x".repeat(rng.nextInt(8)) + i));
        m.add(Message.assistant("a" + "y".repeat(rng.nextInt(12)) + i));
      }
      out.add(Map.of(Schemas.MESSAGES, Rows.conversation(m)));
    }
    return out;
  }

  static <T> List<T> list(java.util.Iterator<T> it) {
    List<T> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void packedSequencesNeverAttendAcrossDocumentsAndKeepLossMasks() {
    List<Map<String, Object>> docs = list(Tokenize.tokenize(conversations(60, 1).iterator(), FakeText.TOKENIZER,
        FakeText.FORMAT, MaskPolicy.ASSISTANT, 0, Tokenize.Overflow.KEEP, null));
    int seq = 64;
    for (boolean split : new boolean[] {false, true}) {
      List<Map<String, Object>> packed = list(Packing.pack(docs.iterator(), seq, 0, split));
      int docIndex = 0;
      int docOffset = 0;
      long realTokens = 0;
      for (Map<String, Object> row : packed) {
        int[] ids = (int[]) row.get(Schemas.INPUT_IDS);
        byte[] mask = (byte[]) row.get(Schemas.LOSS_MASK);
        int[] seg = (int[]) row.get(Schemas.SEGMENT_IDS);
        assertEquals(seq, ids.length);
        assertEquals(seq, mask.length);
        // the attention mask: no query sees a key of another document (or padding), and causality holds
        for (int i = 0; i < seq; i++) {
          for (int j = 0; j < seq; j++) {
            if (Packing.attends(seg, i, j)) {
              assertEquals(seg[i], seg[j]);
              assertTrue(j <= i);
              assertNotEquals(0, seg[j]);
            }
          }
        }
        int[] pos = Packing.positionIds(seg);
        for (int[] s : Packing.segments(seg)) {
          assertEquals(0, pos[s[0]]);
          // each segment is a contiguous piece of one source document, with that document's loss mask
          int[] docIds = (int[]) docs.get(docIndex).get(Schemas.INPUT_IDS);
          byte[] docMask = (byte[]) docs.get(docIndex).get(Schemas.LOSS_MASK);
          int len = s[1] - s[0];
          assertArrayEquals(Arrays.copyOfRange(docIds, docOffset, docOffset + len), Arrays.copyOfRange(ids, s[0], s[1]));
          byte[] expectMask = Arrays.copyOfRange(docMask, docOffset, docOffset + len);
          expectMask[0] = 0; // a document's first token in a sequence is never a target
          assertArrayEquals(expectMask, Arrays.copyOfRange(mask, s[0], s[1]));
          realTokens += len;
          docOffset += len;
          if (docOffset >= docIds.length || !split) {
            docIndex++;
            docOffset = 0;
          }
        }
        for (int i = 0; i < seq; i++) {
          if (seg[i] == 0) {
            assertEquals(0, mask[i]);
            assertEquals(0, ids[i]);
          }
        }
      }
      assertEquals(docs.size(), docIndex, "every document packed, in order (split=" + split + ")");
      long total = docs.stream().mapToLong(d -> ((int[]) d.get(Schemas.INPUT_IDS)).length).sum();
      assertEquals(total, realTokens);
      if (split) {
        assertEquals((total + seq - 1) / seq, packed.size(), "split packing fills every sequence");
      }
    }
  }

  @Test
  void tokenizeMasksOnlyAssistantTokensAndHandlesOverflow() {
    var row = Map.of(Schemas.MESSAGES, Rows.conversation(List.of(Message.user("hi"), Message.assistant("yo"))));
    var t = Tokenize.one(row, FakeText.TOKENIZER, FakeText.FORMAT, MaskPolicy.ASSISTANT, 0, Tokenize.Overflow.KEEP);
    assertArrayEquals(new int[] {1, 11, 'h' + 44, 'i' + 44, 3, 12, 'y' + 44, 'o' + 44, 3}, (int[]) t.get(Schemas.INPUT_IDS));
    assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 1, 1}, (byte[]) t.get(Schemas.LOSS_MASK));
    long[] dropped = {0};
    var out = list(Tokenize.tokenize(List.of(row, row).iterator(), FakeText.TOKENIZER, FakeText.FORMAT,
        MaskPolicy.ASSISTANT, 5, Tokenize.Overflow.DROP, dropped));
    assertEquals(0, out.size());
    assertEquals(2, dropped[0]);
    var tr = Tokenize.one(row, FakeText.TOKENIZER, FakeText.FORMAT, MaskPolicy.ASSISTANT, 5, Tokenize.Overflow.TRUNCATE);
    assertEquals(5, ((int[]) tr.get(Schemas.INPUT_IDS)).length);
  }

  @Test
  void shuffleIsASeededPermutation() {
    List<Integer> in = IntStream.range(0, 1000).boxed().toList();
    for (int buffer : new int[] {1000, 2000, 64}) {
      List<Integer> a = list(Sampling.shuffle(in.iterator(), 5, buffer));
      List<Integer> b = list(Sampling.shuffle(in.iterator(), 5, buffer));
      List<Integer> c = list(Sampling.shuffle(in.iterator(), 6, buffer));
      assertEquals(a, b);
      assertNotEquals(a, c);
      assertNotEquals(in, a);
      assertEquals(new HashSet<>(in), new HashSet<>(a));
      assertEquals(in.size(), a.size());
    }
    // a full buffer gives a uniform permutation: the first element is spread over the whole range
    int early = 0;
    for (long seed = 0; seed < 200; seed++) {
      if (list(Sampling.shuffle(in.iterator(), seed, 1000)).get(0) < 500) {
        early++;
      }
    }
    assertTrue(early > 70 && early < 130, "first element below the median in " + early + "/200");
  }

  @Test
  void mixFollowsWeightsAndSplitIsDisjoint() {
    List<java.util.Iterator<String>> srcs = List.of(
        java.util.stream.Stream.generate(() -> "a").limit(10000).iterator(),
        java.util.stream.Stream.generate(() -> "b").limit(10000).iterator());
    List<String> mixed = list(Sampling.mix(srcs, new double[] {3, 1}, 7, true));
    long a = mixed.stream().filter("a"::equals).count();
    long b = mixed.size() - a;
    assertEquals(10000, a); // stops when a runs out first
    assertEquals(3.0, (double) a / b, 0.25);
    List<java.util.Iterator<String>> srcs2 = List.of(List.of("a", "a").iterator(), List.of("b", "b", "b").iterator());
    assertEquals(5, list(Sampling.mix(srcs2, new double[] {1, 1}, 7, false)).size());
    assertThrows(IllegalArgumentException.class, () -> Sampling.mix(srcs2, new double[] {1, -1}, 7, false));

    List<Integer> in = IntStream.range(0, 5000).boxed().toList();
    List<Integer> train = list(Sampling.split(in.iterator(), 3, 0.2, false));
    List<Integer> eval = list(Sampling.split(in.iterator(), 3, 0.2, true));
    assertEquals(in.size(), train.size() + eval.size());
    var both = new HashSet<>(train);
    both.retainAll(eval);
    assertTrue(both.isEmpty());
    assertEquals(0.2, eval.size() / 5000.0, 0.03);
    assertEquals(eval, list(Sampling.split(in.iterator(), 3, 0.2, true)));
  }

  @Test
  void dedupExactAndNear() {
    String base = "The quick brown fox jumps over the lazy dog while the cat sleeps on the warm windowsill all day long.";
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(Map.of("text", base));
    rows.add(Map.of("text", base)); // exact duplicate
    rows.add(Map.of("text", base.replace("lazy", "lazzy"))); // near duplicate (one edit)
    rows.add(Map.of("text", base.toUpperCase().replace("  ", " "))); // near: case-folded identical
    rows.add(Map.of("text", "A completely different sentence about arithmetic: what is seven plus five? Twelve."));
    rows.add(Map.of("text", "Yet another unrelated text on translation: hello in French is bonjour, merci."));
    var text = Dedup.textOf(List.of("text"));
    long[] d = {0};
    assertEquals(5, list(Dedup.exact(rows.iterator(), text, d)).size());
    assertEquals(1, d[0]);
    long[] n = {0};
    var kept = list(Dedup.near(rows.iterator(), text, Dedup.MinHash.defaults(1), n));
    assertEquals(3, kept.size(), kept.toString());
    assertEquals(3, n[0]);
    var mh = Dedup.MinHash.defaults(1);
    assertTrue(Dedup.MinHash.similarity(mh.signature(base), mh.signature(base.replace("lazy", "lazzy"))) > 0.8);
    assertTrue(Dedup.MinHash.similarity(mh.signature(base), mh.signature(rows.get(4).get("text").toString())) < 0.2);
  }

  @Test
  void filterExpressions() {
    Map<String, Object> row = new java.util.LinkedHashMap<>();
    row.put("messages", Rows.conversation(List.of(Message.user("Hello there"), Message.assistant("Hi"))));
    row.put("source", "Web");
    row.put("score", 0.7);
    row.put("tags", List.of("a", "b"));
    row.put("note", null);
    assertTrue(RowFilter.parse("len(messages) >= 2 && messages[0].role == \"user\"").test(row));
    assertTrue(RowFilter.parse("messages[-1].content == 'Hi' and not contains(lower(source), 'spam')").test(row));
    assertTrue(RowFilter.parse("score > 0.5 || note != null").test(row));
    assertFalse(RowFilter.parse("score - 0.2 > 0.6").test(row));
    assertTrue(RowFilter.parse("contains(tags, 'b') && words(messages[0].content) == 2").test(row));
    assertFalse(RowFilter.parse("note").test(row));
    assertTrue(RowFilter.parse("matches(source, '^W.b$') && !(startswith(source, 'x'))").test(row));
    var e = assertThrows(Align4jException.class, () -> RowFilter.parse("len(messages) >= "));
    assertTrue(e.getMessage().contains("ends early at position 18"), e.getMessage());
    var e2 = assertThrows(Align4jException.class, () -> RowFilter.parse("len(mesages) > 1").test(row));
    assertTrue(e2.getMessage().contains("no column 'mesages'") && e2.getMessage().contains("messages"), e2.getMessage());
    var e3 = assertThrows(Align4jException.class, () -> RowFilter.parse("size(tags) > 1"));
    assertTrue(e3.getMessage().contains("unknown function 'size'"), e3.getMessage());
    List<Map<String, Object>> rows = List.of(row, Map.of("messages", List.of(), "source", "x", "score", 0.1, "tags",
        List.of(), "note", "n"));
    assertEquals(1, list(RowFilter.parse("len(messages) > 0").apply(rows.iterator())).size());
  }
}
