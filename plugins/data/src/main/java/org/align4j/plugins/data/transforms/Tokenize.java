package org.align4j.plugins.data.transforms;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;
import org.align4j.toolkit.data.Rows;

/**
 * Conversations ({@code messages}) to the tokenized schema: the chat format renders ids and the loss
 * mask for a {@link MaskPolicy} (SFT: assistant tokens; GAtt: the last answer only). Plain-text rows
 * ({@code text}) are encoded with bos/eos and loss on every token.
 */
public final class Tokenize {
  private Tokenize() {}

  /** What to do with a rendered row longer than {@code maxLength}. */
  public enum Overflow { KEEP, TRUNCATE, DROP }

  public static Iterator<Map<String, Object>> tokenize(Iterator<? extends Map<String, ?>> rows, Tokenizer tokenizer,
      ChatFormat format, MaskPolicy policy, int maxLength, Overflow overflow, long[] dropped) {
    return new Lookahead<>() {
      @Override
      protected Map<String, Object> advance() {
        while (rows.hasNext()) {
          Map<String, Object> r = one(rows.next(), tokenizer, format, policy, maxLength, overflow);
          if (r != null) {
            return r;
          }
          if (dropped != null) {
            dropped[0]++;
          }
        }
        return null;
      }
    };
  }

  static Map<String, Object> one(Map<String, ?> row, Tokenizer tok, ChatFormat format, MaskPolicy policy, int maxLength,
      Overflow overflow) {
    int[] ids;
    byte[] mask;
    if (row.get(Schemas.MESSAGES) != null) {
      List<Message> msgs = Rows.messages(row.get(Schemas.MESSAGES));
      RenderedChat rc = format.render(msgs, tok, policy);
      ids = rc.ids();
      mask = rc.lossMask();
    } else if (row.get(Schemas.TEXT_COLUMN) instanceof String text) {
      ids = tok.encode(text, true, true, false);
      mask = new byte[ids.length];
      java.util.Arrays.fill(mask, (byte) 1);
      if (mask.length > 0) {
        mask[0] = 0;
      }
    } else {
      throw new IllegalArgumentException("tokenize: the row has neither 'messages' nor 'text' (columns: " + row.keySet() + ")");
    }
    if (maxLength > 0 && ids.length > maxLength) {
      switch (overflow) {
        case DROP:
          return null;
        case TRUNCATE:
          ids = java.util.Arrays.copyOf(ids, maxLength);
          mask = java.util.Arrays.copyOf(mask, maxLength);
          break;
        default:
          break;
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(Schemas.INPUT_IDS, ids);
    out.put(Schemas.LOSS_MASK, mask);
    out.put(Schemas.SEGMENT_IDS, null);
    return out;
  }
}
