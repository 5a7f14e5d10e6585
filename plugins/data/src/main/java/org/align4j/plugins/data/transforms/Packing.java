package org.align4j.plugins.data.transforms;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.data.Schemas;
import org.align4j.toolkit.data.Rows;

/**
 * Packs tokenized documents into fixed-length sequences (Llama 2 SFT: "all examples concatenated and
 * packed so sequences are full"), with {@code segment_ids} 1, 2, ... per document and 0 for padding, so
 * the attention mask allows a token to see only earlier tokens of its own document
 * ({@link #attends}). Loss masks travel with their tokens; the first token of each document is never a
 * target (it would be predicted from the previous document).
 */
public final class Packing {
  private Packing() {}

  /**
   * Whether and how a stage packs its rows, as its options: a stage nests it {@link org.align4j.api.Flat @Flat}, so
   * {@code pack: true, seq_length: 512} stand directly under its {@code options:}.
   */
  public record Options(
      @Default("false") @Doc("pack rows into sequences of seq_length with segment ids") boolean pack,
      @Default("512") @Doc("packed sequence length") int seqLength,
      @Default("false") @Doc("packing: let a document continue into the next sequence") boolean splitDocuments,
      @Doc("padding id for packed sequences; default: the tokenizer's eos id") Integer padId) {
    public Options {
      if (pack && seqLength < 2) {
        throw new IllegalArgumentException("seq_length must be >= 2, got " + seqLength);
      }
    }

    /** {@code docs} packed when {@code pack} is on (padding with {@code padId}, else {@code eosId}), else as they are. */
    public Iterator<Map<String, Object>> apply(Iterator<Map<String, Object>> docs, int eosId) {
      return pack ? Packing.pack(docs, seqLength, padId != null ? padId : eosId, splitDocuments) : docs;
    }
  }

  /**
   * @param seqLength tokens per packed sequence
   * @param padId id written into padding positions (loss 0, segment 0)
   * @param splitDocuments true: a document that does not fit continues in the next sequence (pretraining
   *     style); false: it starts a new sequence, and documents longer than {@code seqLength} are truncated
   */
  public static Iterator<Map<String, Object>> pack(
      Iterator<? extends Map<String, ?>> docs, int seqLength, int padId, boolean splitDocuments) {
    if (seqLength < 2) {
      throw new IllegalArgumentException("seq_length must be >= 2, got " + seqLength);
    }
    return new Lookahead<>() {
      int[] pendingIds;
      byte[] pendingMask;
      int pendingFrom;

      @Override
      protected Map<String, Object> advance() {
        return fill();
      }

      private boolean loadPending() {
        while (pendingIds == null || pendingFrom >= pendingIds.length) {
          if (!docs.hasNext()) {
            return false;
          }
          Map<String, ?> d = docs.next();
          pendingIds = Rows.ints(d.get(Schemas.INPUT_IDS));
          pendingMask = Rows.bytes(d.get(Schemas.LOSS_MASK));
          if (pendingMask == null) {
            pendingMask = new byte[pendingIds.length];
            java.util.Arrays.fill(pendingMask, (byte) 1);
          }
          if (pendingMask.length != pendingIds.length) {
            throw new IllegalArgumentException("input_ids and loss_mask differ in length: " + pendingIds.length
                + " vs " + pendingMask.length);
          }
          pendingFrom = 0;
        }
        return true;
      }

      private Map<String, Object> fill() {
        int[] ids = new int[seqLength];
        byte[] mask = new byte[seqLength];
        int[] seg = new int[seqLength];
        int pos = 0;
        int segment = 0;
        while (pos < seqLength && loadPending()) {
          int remaining = pendingIds.length - pendingFrom;
          int room = seqLength - pos;
          if (!splitDocuments && remaining > room) {
            if (pos > 0) {
              break; // starts the next sequence
            }
            remaining = room; // longer than a whole sequence: truncated
          }
          int n = Math.min(remaining, room);
          segment++;
          System.arraycopy(pendingIds, pendingFrom, ids, pos, n);
          System.arraycopy(pendingMask, pendingFrom, mask, pos, n);
          mask[pos] = 0;
          java.util.Arrays.fill(seg, pos, pos + n, segment);
          pos += n;
          pendingFrom += n;
          if (!splitDocuments && pendingFrom < pendingIds.length) {
            pendingFrom = pendingIds.length; // drop the truncated tail
          }
        }
        if (pos == 0) {
          return null;
        }
        java.util.Arrays.fill(ids, pos, seqLength, padId);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put(Schemas.INPUT_IDS, ids);
        row.put(Schemas.LOSS_MASK, mask);
        row.put(Schemas.SEGMENT_IDS, seg);
        return row;
      }
    };
  }

  /** Whether query position {@code i} may attend to key position {@code j}: same non-padding document, causal. */
  public static boolean attends(int[] segmentIds, int i, int j) {
    return j <= i && segmentIds[i] != 0 && segmentIds[i] == segmentIds[j];
  }

  /** Position ids restarting at 0 for every document (0 for padding). */
  public static int[] positionIds(int[] segmentIds) {
    int[] pos = new int[segmentIds.length];
    for (int i = 0; i < segmentIds.length; i++) {
      pos[i] = segmentIds[i] == 0 ? 0 : (i > 0 && segmentIds[i - 1] == segmentIds[i] ? pos[i - 1] + 1 : 0);
    }
    return pos;
  }

  /** Document boundaries [start, end) of a packed row, by segment. */
  public static List<int[]> segments(int[] segmentIds) {
    List<int[]> out = new ArrayList<>();
    int i = 0;
    while (i < segmentIds.length) {
      if (segmentIds[i] == 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < segmentIds.length && segmentIds[j] == segmentIds[i]) {
        j++;
      }
      out.add(new int[] {i, j});
      i = j;
    }
    return out;
  }
}
