package org.align4j.launcher.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import org.align4j.api.Align4jException;
import org.align4j.api.NoOptions;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.ChatFormatProvider;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code align4j chat-render}: a conversation to the chat format's text, ids and loss mask. */
@Command(name = "chat-render", mixinStandardHelpOptions = true,
    description = {"Render conversations (JSON {\"messages\": [{\"role\", \"content\"}, ...]} or a bare array; one per line",
        "or one whole document) with a chat format: prints {\"text\", \"ids\", \"loss_mask\"} per conversation.",
        "A conversation ending with a user/ipython message gets the generation prompt (assistant header)."},
    footer = {"", "Example:",
        "  echo '{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}' | align4j chat-render --format llama3 --tokenizer tok/"})
public final class ChatRenderCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--format", required = true, description = "chat format id: llama3 or llama2")
  String format;

  @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer file or directory; without it only the text is printed")
  Path tokenizer;

  @Option(names = "--input", paramLabel = "FILE", description = "conversation JSON / JSONL (default: stdin)")
  Path input;

  @Option(names = "--mask", defaultValue = "assistant",
      description = "loss mask policy: assistant (SFT), assistant_content (Llama 3 DPO rule), last_assistant (GAtt), all (default: ${DEFAULT-VALUE})")
  String mask;

  static ChatFormat chatFormat(String id) {
    List<String> ids = new ArrayList<>();
    for (ChatFormatProvider<?> p : ServiceLoader.load(ChatFormatProvider.class)) {
      ids.add(p.id());
      if (p.id().equals(id)) {
        if (p.optionsType() != NoOptions.class) {
          throw new Align4jException("chat format " + id + " takes options; use it from a recipe");
        }
        @SuppressWarnings("unchecked")
        ChatFormatProvider<NoOptions> q = (ChatFormatProvider<NoOptions>) p;
        return q.create(new NoOptions());
      }
    }
    throw new Align4jException("unknown chat format '" + id + "'; available: " + ids);
  }

  static List<Message> messages(JsonNode n, String where) {
    JsonNode arr = n.isArray() ? n : n.get("messages");
    if (arr == null || !arr.isArray()) {
      throw new Align4jException(where + ": expected {\"messages\": [...]} or an array of {\"role\", \"content\"}");
    }
    List<Message> out = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      JsonNode m = arr.get(i);
      if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
        throw new Align4jException(where + ": messages[" + i + "] needs string fields role and content");
      }
      out.add(new Message(m.get("role").asText(), m.get("content").asText(), m.path("expects_tool_result").asBoolean(false)));
    }
    if (n.isObject() && n.path("system").isTextual() && (out.isEmpty() || !out.get(0).role().equals("system"))) {
      out.add(0, Message.system(n.get("system").asText()));
    }
    return out;
  }

  @Override
  public Integer call() throws Exception {
    return TextIo.run(spec, "chat-render", out -> {
      MaskPolicy policy;
      try {
        policy = MaskPolicy.valueOf(mask.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new Align4jException("--mask " + mask + ": expected one of assistant, assistant_content, last_assistant, all");
      }
      ChatFormat f = chatFormat(format);
      Tokenizer tok = tokenizer == null ? null : TextIo.tokenizer(tokenizer);
      List<JsonNode> convs = new ArrayList<>();
      List<String> where = new ArrayList<>();
      try (BufferedReader r = TextIo.open(input)) {
        for (TextIo.Located v : TextIo.values(r, TextIo.name(input))) {
          convs.add(v.value());
          where.add(TextIo.name(input) + ": line " + v.line());
        }
      }
      for (int c = 0; c < convs.size(); c++) {
        List<Message> msgs = messages(convs.get(c), where.get(c));
        boolean prompt = msgs.isEmpty() || !msgs.get(msgs.size() - 1).role().equals("assistant")
            || msgs.get(msgs.size() - 1).expectsToolResult();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("text", f.renderText(msgs, prompt));
        if (tok != null) {
          if (prompt) {
            row.put("ids", f.renderPrompt(msgs, tok));
          } else {
            RenderedChat rc = f.render(msgs, tok, policy);
            row.put("ids", rc.ids());
            row.put("loss_mask", rc.lossMask().length == 0 ? new int[0] : toInts(rc.lossMask()));
            row.put("special_positions", rc.specialPositions());
          }
        }
        out.println(TextIo.JSON.writeValueAsString(row));
      }
    });
  }

  private static int[] toInts(byte[] b) {
    int[] r = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      r[i] = b[i];
    }
    return r;
  }
}
