package org.align4j.plugins.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LmRowsTest {
  @Test
  void packingKeepsEveryTokenItsMaskAndItsOwnSegment() {
    var ids = new ArrayList<int[]>();
    var masks = new ArrayList<byte[]>();
    for (int d = 0; d < 20; d++) {
      int len = 3 + d % 7;
      int[] doc = new int[len];
      byte[] m = new byte[len];
      for (int i = 0; i < len; i++) {
        doc[i] = 1000 * (d + 1) + i; // token encodes (document, position)
        m[i] = (byte) (i >= len / 2 ? 1 : 0);
      }
      ids.add(doc);
      masks.add(m);
    }
    LmRows rows = LmRows.packed(ids, masks, 16, -7, 42L, true);
    assertTrue(rows.size() < 20, "several documents share a row");
    int seen = 0;
    for (int r = 0; r < rows.size(); r++) {
      int[] row = rows.ids.get(r);
      int[] seg = rows.segments.get(r);
      for (int i = 0; i < 16; i++) {
        if (seg[i] < 0) {
          assertEquals(-7, row[i]);
          assertEquals(0, rows.mask.get(r)[i]);
          continue;
        }
        int doc = row[i] / 1000 - 1;
        int pos = row[i] % 1000;
        seen++;
        assertEquals(masks.get(doc)[pos], rows.mask.get(r)[i], "loss mask survives packing");
        if (i > 0 && seg[i - 1] == seg[i]) {
          assertEquals(doc, row[i - 1] / 1000 - 1, "one segment holds one document");
          assertEquals(pos - 1, row[i - 1] % 1000, "in order");
        } else {
          assertEquals(0, pos, "a segment starts at its document's first token");
        }
      }
    }
    assertEquals(ids.stream().mapToInt(a -> a.length).sum(), seen, "no token lost");
    assertEquals(20, rows.documents);
  }

  @Test
  void chunksCutAContinuousStream() {
    LmRows rows = LmRows.chunks(List.of(new int[] {1, 2, 3}, new int[] {4, 5, 6, 7, 8}, new int[] {9}), 4);
    assertEquals(2, rows.size());
    assertEquals(List.of(1, 2, 3, 4), java.util.Arrays.stream(rows.ids.get(0)).boxed().toList());
    assertEquals(List.of(5, 6, 7, 8), java.util.Arrays.stream(rows.ids.get(1)).boxed().toList());
    assertTrue(!rows.hasSegments());
  }

  @Test
  void evaluationStatisticsMatchHandComputedValues() {
    var s = new EvaluateStage.Stats();
    for (double x : new double[] {1, 0, 1, 1}) {
      s.add(x, x > 0 ? "correct" : "wrong");
    }
    assertEquals(0.75, s.mean(), 1e-12);
    // sample sd of {1,0,1,1} = sqrt(0.25) = 0.5; se = 0.5 / 2
    assertEquals(0.5, s.sd(), 1e-12);
    assertEquals(0.25, s.se(), 1e-12);
    assertEquals(3L, s.labels.get("correct"));
  }

  @Test
  void repeatedPromptsCountAsOneObservationInTheStandardError() {
    // prompts a, a, a (scores 1, 1, 1) and b (score 0): mean 0.75, two clusters.
    // cluster residual sums: a: 3 - 3 * 0.75 = 0.75; b: 0 - 0.75 = -0.75
    // se^2 = G/(G-1) * (0.75^2 + 0.75^2) / n^2 = 2 * 1.125 / 16 = 0.140625 -> se = 0.375 (per-row: 0.25)
    var s = new EvaluateStage.Stats();
    s.add(1, "correct", "a");
    s.add(1, "correct", "a");
    s.add(0, "wrong", "b");
    s.add(1, "correct", "a");
    assertEquals(0.75, s.mean(), 1e-12);
    assertEquals(2, s.clusters());
    assertEquals(0.25, s.seRows(), 1e-12);
    assertEquals(0.375, s.se(), 1e-12);
    // distinct prompts: the clustered error is the per-row one
    var d = new EvaluateStage.Stats();
    String[] keys = {"a", "b", "c", "d"};
    double[] xs = {1, 0, 1, 1};
    for (int i = 0; i < 4; i++) {
      d.add(xs[i], null, keys[i]);
    }
    assertEquals(d.seRows(), d.se(), 1e-12);
    assertEquals(0.25, d.se(), 1e-12);
  }

  @Test
  void aLoopAtTheTailIsRecognised() {
    assertTrue(EvaluateStage.repeatsAtTail("The cat is here. bye bye bye"));
    assertTrue(EvaluateStage.repeatsAtTail("I see a b c a b c a b c"));
    assertTrue(EvaluateStage.repeatsAtTail("7 7 7"));
    assertTrue(!EvaluateStage.repeatsAtTail("cat dog cat dog"), "two repeats are not a loop");
    assertTrue(!EvaluateStage.repeatsAtTail("I like the lamp."));
    assertTrue(!EvaluateStage.repeatsAtTail(""));
  }
}
