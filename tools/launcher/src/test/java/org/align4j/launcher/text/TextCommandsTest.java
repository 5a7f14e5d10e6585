package org.align4j.launcher.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.align4j.launcher.Main;
import org.align4j.testkit.Repo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenize / detokenize / chat-render on the committed SentencePiece reference model (ids from Google's library). */
class TextCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static Path ref(String name) {
    return Repo.root().resolve("plugins/tokenizers/src/test/resources/tokenizer-reference").resolve(name);
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code = Main.execute(new PrintWriter(o), new PrintWriter(e), args);
    return new Run(code, o.toString(), e.toString());
  }

  @Test
  void tokenizeMatchesSentencePieceAndDetokenizeRoundTrips(@TempDir Path tmp) throws Exception {
    List<String> corpus = Files.readAllLines(ref("corpus.jsonl")).subList(0, 300);
    List<String> want = Files.readAllLines(ref("spm.ids.jsonl")).subList(0, 300);
    Path in = tmp.resolve("in.jsonl");
    Files.write(in, corpus);
    Run r = run("tokenize", "--tokenizer", ref("spm-llama2-style.model").toString(), "--input", in.toString());
    assertEquals(0, r.code(), r.err());
    List<String> got = r.out().lines().toList();
    assertEquals(want.size(), got.size());
    for (int i = 0; i < want.size(); i++) {
      assertEquals(JSON.readTree(want.get(i)).get("ids"), JSON.readTree(got.get(i)).get("ids"), "line " + (i + 1));
    }
    Path ids = tmp.resolve("ids.jsonl");
    Files.writeString(ids, r.out());
    Run d = run("detokenize", "--tokenizer", ref("spm-llama2-style.model").toString(), "--input", ids.toString());
    assertEquals(0, d.code(), d.err());
    List<String> texts = d.out().lines().toList();
    for (int i = 0; i < texts.size(); i++) {
      String orig = JSON.readTree(corpus.get(i)).get("text").asText();
      if (orig.indexOf('\u2581') >= 0) {
        continue; // SentencePiece writes spaces as U+2581, so a literal U+2581 decodes to a space (as in Google's library)
      }
      // decoding drops the dummy-prefix space; Llama 2's settings keep every other space
      assertEquals(orig, JSON.readTree(texts.get(i)).get("text").asText(), "line " + (i + 1));
    }
    Run bos = run("tokenize", "--tokenizer", ref("spm-llama2-style.model").toString(), "--input", in.toString(), "--bos", "--eos");
    JsonNode first = JSON.readTree(bos.out().lines().findFirst().orElseThrow()).get("ids");
    assertEquals(1, first.get(0).asInt());
    assertEquals(2, first.get(first.size() - 1).asInt());
  }

  @Test
  void chatRenderLlama2MatchesChatCompletion(@TempDir Path tmp) throws Exception {
    JsonNode row = JSON.readTree(Files.readAllLines(ref("llama2-chat.jsonl")).get(0));
    Path in = tmp.resolve("conv.json");
    Files.writeString(in, JSON.writeValueAsString(JSON.createObjectNode().set("messages", row.get("messages"))));
    Run r = run("chat-render", "--format", "llama2", "--tokenizer", ref("spm-llama2-style.model").toString(), "--input", in.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode out = JSON.readTree(r.out());
    assertEquals(row.get("ids"), out.get("ids"));
    assertTrue(out.get("text").asText().startsWith("<s>[INST] "), out.get("text").asText());
  }

  @Test
  void badInputNamesTheLine(@TempDir Path tmp) throws Exception {
    Path in = tmp.resolve("in.jsonl");
    Files.writeString(in, "{\"text\": \"ok\"}\n{\"txt\": \"no\"}\n");
    Run r = run("tokenize", "--tokenizer", ref("spm-llama2-style.model").toString(), "--input", in.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("line 2") && r.err().contains("'text'"), r.err());
    Run f = run("chat-render", "--format", "llama9", "--input", in.toString());
    assertEquals(2, f.code());
    assertTrue(f.err().contains("llama3"), f.err());
  }

  static String conv(String user, String assistant) {
    return "{\"messages\": [{\"role\": \"user\", \"content\": \"" + user + "\"}, {\"role\": \"assistant\", \"content\": \""
        + assistant + "\"}]}";
  }

  @Test
  void chatRenderRendersEveryLineOfJsonlAndAWholeDocument(@TempDir Path tmp) throws Exception {
    String model = ref("spm-llama2-style.model").toString();
    Path in = tmp.resolve("convs.jsonl");
    Files.writeString(in, conv("one", "1") + "\n\n" + conv("two", "2") + "\n" + conv("three", "3") + "\n");
    Run r = run("chat-render", "--format", "llama3", "--input", in.toString());
    assertEquals(0, r.code(), r.err());
    List<String> got = r.out().lines().toList();
    assertEquals(3, got.size(), r.out());
    for (int i = 0; i < 3; i++) {
      String user = List.of("one", "two", "three").get(i);
      assertTrue(JSON.readTree(got.get(i)).get("text").asText().contains(user), got.get(i));
    }
    // one conversation pretty-printed over several lines is one document
    Path doc = tmp.resolve("conv.json");
    Files.writeString(doc, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(conv("solo", "x"))));
    Run d = run("chat-render", "--format", "llama2", "--tokenizer", model, "--input", doc.toString());
    assertEquals(0, d.code(), d.err());
    assertEquals(1, d.out().lines().count(), d.out());
    assertTrue(d.out().contains("solo"), d.out());
    // trailing garbage after a document, and two values glued on one line, are errors naming the line
    Files.writeString(doc, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(conv("solo", "x"))) + "\n}garbage\n");
    Run g = run("chat-render", "--format", "llama3", "--input", doc.toString());
    assertEquals(2, g.code(), g.out());
    assertTrue(g.err().contains(doc + ": line 10"), g.err());
    assertEquals("", g.out(), "nothing is rendered from a file with an error");
  }

  @Test
  void tokenizeAndDetokenizeReadEveryLineAndRejectTrailingGarbage(@TempDir Path tmp) throws Exception {
    String model = ref("spm-llama2-style.model").toString();
    Path in = tmp.resolve("in.jsonl");
    Files.writeString(in, "{\"text\": \"a\"}\n{\"text\": \"b c\"}\n{\"text\": \"d\"}\n");
    Run t = run("tokenize", "--tokenizer", model, "--input", in.toString());
    assertEquals(0, t.code(), t.err());
    assertEquals(3, t.out().lines().count(), t.out());
    Path ids = tmp.resolve("ids.jsonl");
    Files.writeString(ids, t.out());
    Run d = run("detokenize", "--tokenizer", model, "--input", ids.toString());
    assertEquals(0, d.code(), d.err());
    assertEquals(List.of("a", "b c", "d"), d.out().lines().map(l -> {
      try {
        return JSON.readTree(l).get("text").asText();
      } catch (Exception e) {
        throw new AssertionError(l, e);
      }
    }).toList());

    Files.writeString(in, "{\"text\": \"a\"}\n{\"text\": \"b\"}{\"text\": \"c\"}\n");
    Run glued = run("tokenize", "--tokenizer", model, "--input", in.toString());
    assertEquals(2, glued.code(), glued.out());
    assertTrue(glued.err().contains(in + ": line 2"), glued.err());
    List<String> idLines = t.out().lines().toList();
    Files.writeString(ids, idLines.get(0) + "\n" + idLines.get(1) + " trailing\n");
    Run dg = run("detokenize", "--tokenizer", model, "--input", ids.toString());
    assertEquals(2, dg.code(), dg.out());
    assertTrue(dg.err().contains(ids + ": line 2"), dg.err());
  }
}
