package org.align4j.plugins.data.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;

/** A trivial tokenizer (one id per byte + 3) and chat format ([bos] role-id content... [eot]) for tests. */
public final class FakeText {
  private FakeText() {}

  public static final int BOS = 1;
  public static final int EOS = 2;
  public static final int EOT = 3;

  public static final Tokenizer TOKENIZER = new Tokenizer() {
    @Override
    public String format() {
      return "fake";
    }

    @Override
    public int vocabSize() {
      return 300;
    }

    @Override
    public int[] encode(String text, boolean bos, boolean eos, boolean parseSpecial) {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      int[] out = new int[b.length + (bos ? 1 : 0) + (eos ? 1 : 0)];
      int k = 0;
      if (bos) {
        out[k++] = BOS;
      }
      for (byte x : b) {
        out[k++] = (x & 0xff) + 4 + 40;
      }
      if (eos) {
        out[k] = EOS;
      }
      return out;
    }

    @Override
    public String decode(int[] ids) {
      return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
      var out = new java.io.ByteArrayOutputStream();
      for (int id : ids) {
        if (id >= 44) {
          out.write(id - 44);
        }
      }
      return out.toByteArray();
    }

    @Override
    public int bosId() {
      return BOS;
    }

    @Override
    public int eosId() {
      return EOS;
    }

    @Override
    public OptionalInt specialId(String token) {
      return OptionalInt.empty();
    }

    @Override
    public Map<String, Integer> specialTokens() {
      return Map.of();
    }

    @Override
    public String piece(int id) {
      return Integer.toString(id);
    }
  };

  static int roleId(String role) {
    return switch (role) {
      case "system" -> 10;
      case "user" -> 11;
      case "assistant" -> 12;
      default -> 13;
    };
  }

  public static final ChatFormat FORMAT = new ChatFormat() {
    @Override
    public RenderedChat render(List<Message> messages, Tokenizer tok, MaskPolicy policy) {
      List<Integer> ids = new ArrayList<>();
      List<Byte> mask = new ArrayList<>();
      List<Integer> special = new ArrayList<>();
      ids.add(BOS);
      mask.add((byte) 0);
      int lastAssistant = -1;
      for (int i = 0; i < messages.size(); i++) {
        if (messages.get(i).role().equals("assistant")) {
          lastAssistant = i;
        }
      }
      for (int i = 0; i < messages.size(); i++) {
        Message m = messages.get(i);
        boolean train = switch (policy) {
          case ALL -> true;
          case LAST_ASSISTANT -> i == lastAssistant;
          default -> m.role().equals("assistant");
        };
        special.add(ids.size());
        ids.add(roleId(m.role()));
        mask.add((byte) (policy == MaskPolicy.ALL ? 1 : 0));
        for (int id : tok.encode(m.content())) {
          ids.add(id);
          mask.add((byte) (train ? 1 : 0));
        }
        special.add(ids.size());
        ids.add(EOT);
        mask.add((byte) (train && policy != MaskPolicy.ASSISTANT_CONTENT ? 1 : 0));
      }
      int[] a = ids.stream().mapToInt(Integer::intValue).toArray();
      byte[] b = new byte[mask.size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = mask.get(i);
      }
      return new RenderedChat(a, b, special.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public int[] renderPrompt(List<Message> messages, Tokenizer tokenizer) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int[] stopTokens(Tokenizer tokenizer) {
      return new int[] {EOT};
    }

    @Override
    public String renderText(List<Message> messages, boolean addGenerationPrompt) {
      return messages.toString();
    }
  };
}
