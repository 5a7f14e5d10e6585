package org.align4j.plugins.data.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.data.Schemas;
import org.align4j.plugins.data.testing.TestData;
import org.align4j.testkit.Repo;
import org.align4j.toolkit.data.RowReader;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesTest {
  BufferAllocator alloc;
  @TempDir Path dir;

  @BeforeEach
  void setUp() {
    alloc = new RootAllocator();
  }

  @AfterEach
  void tearDown() {
    alloc.close(); // fails on leaked buffers
  }

  static Path fixtures() {
    return Repo.root().resolve("tests/fixtures/pyarrow");
  }

  /** The JSONL truth, parsed independently of our sources (Jackson line by line). */
  static List<Object> truth(Path jsonl) throws IOException {
    List<Object> out = new ArrayList<>();
    for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(TestData.norm(Json.parseObject(line)));
      }
    }
    return out;
  }

  List<Object> read(ArrowReader r) throws IOException {
    List<Object> out = new ArrayList<>();
    for (var row : TestData.rows(r)) {
      out.add(TestData.norm(row));
    }
    return out;
  }

  @Test
  void pyarrowParquetAndDatasetsCacheMatchTheirJsonlTruth() throws Exception {
    List<Object> truth = truth(fixtures().resolve("conversations.jsonl"));
    assertEquals(300, truth.size());
    List<Object> pq = read(new ParquetSource().open(fixtures().resolve("conversations.parquet"),
        new ColumnarOptions("raw", "fail", 64), alloc));
    assertEquals(truth, pq);
    try (ArrowReader r = new ArrowSource().open(fixtures().resolve("conversations-datasets-cache.arrow"),
        ColumnarOptions.defaults(), alloc)) {
      var md = r.getVectorSchemaRoot().getSchema().getCustomMetadata();
      assertTrue(md.containsKey("huggingface"), "datasets metadata kept: " + md.keySet());
      assertEquals(truth, read(r));
    }
    // and our JSONL source reads the truth file itself equally
    assertEquals(truth, read(new JsonlSource().open(fixtures().resolve("conversations.jsonl"),
        new JsonlSource.Options("raw", "fail", 37, 1000), alloc)));
    // the conversations shape maps the same file to the conversations schema
    try (ArrowReader r = new JsonlSource().open(fixtures().resolve("conversations.jsonl"), JsonlSource.Options.defaults(), alloc)) {
      assertEquals(Schemas.CONVERSATIONS, r.getVectorSchemaRoot().getSchema());
      var rows = TestData.rows(r);
      assertEquals(300, rows.size());
      @SuppressWarnings("unchecked")
      var first = (Map<String, Object>) truth.get(0);
      assertEquals(first.get("messages"), TestData.norm(rows.get(0).get("messages")));
    }
    // shapes apply to columnar files too: the datasets cache and the Parquet file as conversations
    for (ArrowReader r : List.of(
        new ArrowSource().open(fixtures().resolve("conversations-datasets-cache.arrow"),
            new ColumnarOptions("auto", "fail", 128), alloc),
        new ParquetSource().open(fixtures().resolve("conversations.parquet"),
            new ColumnarOptions("conversations", "fail", 128), alloc))) {
      try (r) {
        assertEquals(Schemas.CONVERSATIONS, r.getVectorSchemaRoot().getSchema());
        var rows = TestData.rows(r);
        assertEquals(300, rows.size());
        for (int i = 0; i < rows.size(); i++) {
          @SuppressWarnings("unchecked")
          var t = (Map<String, Object>) truth.get(i);
          assertEquals(t.get("messages"), TestData.norm(rows.get(i).get("messages")), "row " + i);
        }
      }
    }
  }

  @Test
  void roundTripJsonlArrowParquetArrowKeepsEveryValue() throws Exception {
    Path src = dir.resolve("in.jsonl");
    Files.writeString(src, String.join("\n",
        "{\"id\": 1, \"text\": \"Grüße 🙂 日本語 \\\"q\\\" a\\tb\\nc\", \"score\": -0.125, \"ok\": true,"
            + " \"messages\": [{\"role\": \"user\", \"content\": \"hi 🙂\"}, {\"role\": \"assistant\", \"content\": \"\"}],"
            + " \"tags\": [\"x\", null, \"日本\"], \"meta\": {\"a\": 1, \"b\": null}}",
        "{\"id\": 9007199254740993, \"text\": null, \"score\": 3, \"ok\": false, \"messages\": [], \"tags\": null,"
            + " \"meta\": null}",
        "",
        "{\"id\": -2, \"text\": \"\", \"score\": null, \"ok\": null, \"messages\": null, \"tags\": [],"
            + " \"meta\": {\"a\": null, \"b\": \"z\"}}") + "\n", StandardCharsets.UTF_8);
    List<Object> truth = truth(src);
    // JSON 3 in a float column reads back as 3.0; the truth says 3: compare as doubles there
    Path arrow = dir.resolve("a.arrow");
    Path parquet = dir.resolve("b.parquet");
    Path arrow2 = dir.resolve("c.arrows");
    Path jsonl2 = dir.resolve("d.jsonl.gz");
    try (ArrowReader r = new JsonlSource().open(src, new JsonlSource.Options("raw", "fail", 2, 1000), alloc)) {
      assertEquals(3, DataFiles.write(r, arrow, alloc));
    }
    try (ArrowReader r = DataFiles.open(arrow, alloc)) {
      assertEquals(3, DataFiles.write(r, parquet, alloc));
    }
    try (ArrowReader r = DataFiles.open(parquet, alloc)) {
      assertEquals(3, DataFiles.write(r, arrow2, alloc));
    }
    try (ArrowReader r = DataFiles.open(arrow2, alloc)) {
      assertEquals(3, DataFiles.write(r, jsonl2, alloc));
    }
    for (Path p : List.of(arrow, parquet, arrow2, jsonl2)) {
      List<Object> got;
      try (ArrowReader r = DataFiles.open(p, alloc)) {
        got = read(r);
      }
      assertEquals(fixScore(truth), fixScore(got), p.toString());
      assertEquals(truth.get(0), got.get(0), p.toString()); // unicode, nested lists with nulls, structs: exact
    }
  }

  /**
   * The C++ Parquet writer releases the batches it was handed on its own threads, sometimes after write() has
   * returned; closing the caller's allocator then reported a leak (CI saw {@code data convert} exit 1). Each
   * write must have let go of everything by the time it returns, every time.
   */
  @Test
  void aParquetWriteHasReleasedItsInputWhenItReturns() throws Exception {
    Path src = dir.resolve("many.jsonl");
    Files.writeString(src, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n".repeat(300));
    Path arrow = dir.resolve("many.arrow");
    try (ArrowReader r = new JsonlSource().open(src, new JsonlSource.Options("raw", "fail", 16, 1000), alloc)) {
      assertEquals(300, DataFiles.write(r, arrow, alloc));
    }
    for (int i = 0; i < 40; i++) {
      BufferAllocator a = alloc.newChildAllocator("write-" + i, 0, Long.MAX_VALUE);
      try (ArrowReader r = DataFiles.open(arrow, a)) {
        assertEquals(300, DataFiles.write(r, dir.resolve("many-" + i + ".parquet"), a));
      }
      assertEquals(0, a.getAllocatedMemory(), "write " + i + ": bytes still held once write returned");
      a.close();
    }
  }

  @SuppressWarnings("unchecked")
  static List<Object> fixScore(List<Object> rows) {
    List<Object> out = new ArrayList<>();
    for (Object o : rows) {
      var m = new java.util.LinkedHashMap<>((Map<String, Object>) o);
      if (m.get("score") instanceof Number n) {
        m.put("score", n.doubleValue());
      }
      out.add(m);
    }
    return out;
  }

  @Test
  void badRowsNameFileLineAndFieldOrAreSkippedAndCounted() throws Exception {
    Path f = dir.resolve("chat.jsonl");
    Files.writeString(f, String.join("\n",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"robot\", \"content\": \"b\"}]}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}",
        "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"c\"}, {\"role\": \"assistant\", \"content\": \"d\"}]}"),
        StandardCharsets.UTF_8);
    var e = assertThrows(Align4jException.class, () -> {
      try (ArrowReader r = new JsonlSource().open(f, JsonlSource.Options.defaults(), alloc)) {
        TestData.rows(r);
      }
    });
    assertTrue(e.getMessage().startsWith(f + ": line 2: field 'messages[1].role': 'robot' is not a role"), e.getMessage());
    assertTrue(e.getMessage().contains("on_error: skip"), e.getMessage());

    try (ArrowReader r = new JsonlSource().open(f, new JsonlSource.Options("conversations", "skip", 1024, 10), alloc)) {
      var rows = TestData.rows(r);
      assertEquals(2, rows.size());
      var skipped = ((RowReader) r).skipped();
      assertEquals(3, skipped.count());
      assertTrue(skipped.examples().get(0).startsWith("line 2: field 'messages[1].role'"), skipped.examples().toString());
      assertTrue(skipped.examples().get(1).startsWith("line 3: not valid JSON"), skipped.examples().toString());
      assertTrue(skipped.examples().get(2).startsWith("line 4: field 'messages[0].content': expected a string"),
          skipped.examples().toString());
      assertTrue(skipped.summary().contains("skipped 3 bad rows"));
    }

    Path raw = dir.resolve("raw.jsonl");
    Files.writeString(raw, "{\"a\": 1}\n{\"a\": \"x\"}\n{\"a\": 2, \"b\": true}\n", StandardCharsets.UTF_8);
    var e2 = assertThrows(Align4jException.class, () -> new JsonlSource().open(raw, JsonlSource.Options.defaults(), alloc));
    assertTrue(e2.getMessage().contains("line 2: field 'a' is an integer at line 1 but a string at line 2"), e2.getMessage());
    var e3 = assertThrows(Align4jException.class, () -> {
      try (ArrowReader r = new JsonlSource().open(raw, new JsonlSource.Options("raw", "fail", 10, 1), alloc)) {
        TestData.rows(r);
      }
    });
    assertTrue(e3.getMessage().contains(": line 2: field 'a': expected an integer"), e3.getMessage());
  }

  @Test
  void shapesMapPublicFormats() throws Exception {
    Path f = dir.resolve("prefs.jsonl");
    Files.writeString(f, String.join("\n",
        // TRL explicit prompt, strings, Llama 2 rating words
        "{\"prompt\": \"What is 2+2?\", \"chosen\": \"4\", \"rejected\": \"5\", \"rating\": \"Significantly better\"}",
        // TRL conversational explicit prompt + numeric strength + safety label
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}],"
            + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"Go away\"}], \"preference_strength\": 1,"
            + " \"safety_label\": \"both safe\"}",
        // TRL implicit prompt
        "{\"chosen\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"good\"}],"
            + " \"rejected\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"bad\"}]}",
        // Anthropic HH
        "{\"chosen\": \"\\n\\nHuman: How do I bake?\\n\\nAssistant: Preheat.\\n\\nHuman: Then?\\n\\nAssistant: Mix flour.\","
            + " \"rejected\": \"\\n\\nHuman: How do I bake?\\n\\nAssistant: Preheat.\\n\\nHuman: Then?\\n\\nAssistant: No.\","
            + " \"edited\": \"Mix flour and eggs.\", \"domain\": \"helpfulness\", \"rating\": \"unsure\"}"),
        StandardCharsets.UTF_8);
    List<Map<String, Object>> rows;
    try (ArrowReader r = new JsonlSource().open(f, JsonlSource.Options.defaults(), alloc)) {
      assertEquals(Schemas.PREFERENCES, r.getVectorSchemaRoot().getSchema());
      rows = TestData.rows(r);
    }
    assertEquals(List.of(Map.of("role", "user", "content", "What is 2+2?")), rows.get(0).get("prompt"));
    assertEquals("4", rows.get(0).get("chosen"));
    assertEquals("significantly_better", rows.get(0).get("rating"));
    assertEquals("helpfulness", rows.get(0).get("domain"));
    assertEquals("Hello!", rows.get(1).get("chosen"));
    assertEquals("slightly_better", rows.get(1).get("rating"));
    assertEquals("both_safe", rows.get(1).get("safety_label"));
    assertEquals("safety", rows.get(1).get("domain"));
    assertEquals(2, ((List<?>) rows.get(2).get("prompt")).size());
    assertEquals("good", rows.get(2).get("chosen"));
    assertEquals("bad", rows.get(2).get("rejected"));
    assertEquals(List.of(Map.of("role", "user", "content", "How do I bake?"),
        Map.of("role", "assistant", "content", "Preheat."), Map.of("role", "user", "content", "Then?")),
        rows.get(3).get("prompt"));
    assertEquals("Mix flour.", rows.get(3).get("chosen"));
    assertEquals("No.", rows.get(3).get("rejected"));
    assertEquals("Mix flour and eggs.", rows.get(3).get("edited"));
    assertEquals("negligibly_better", rows.get(3).get("rating"));

    Path chat = dir.resolve("sharegpt.jsonl");
    Files.writeString(chat, String.join("\n",
        "{\"conversations\": [{\"from\": \"system\", \"value\": \"Be brief\"}, {\"from\": \"human\", \"value\": \"Hi\"}, {\"from\": \"gpt\", \"value\": \"Yo\"}]}",
        "{\"instruction\": \"Add\", \"input\": \"2 and 3\", \"output\": \"5\"}",
        "{\"prompt\": \"P\", \"completion\": \"C\", \"tags\": [\"t\"]}"), StandardCharsets.UTF_8);
    try (ArrowReader r = new JsonlSource().open(chat, new JsonlSource.Options("conversations", "fail", 8, 10), alloc)) {
      rows = TestData.rows(r);
    }
    assertEquals("Be brief", rows.get(0).get("system"));
    assertEquals(Map.of("role", "assistant", "content", "Yo"), ((List<?>) rows.get(0).get("messages")).get(2));
    assertEquals(Map.of("role", "user", "content", "Add\n\n2 and 3"), ((List<?>) rows.get(1).get("messages")).get(0));
    assertEquals(List.of("t"), rows.get(2).get("tags"));
  }

  @Test
  void gzipJsonlByContent() throws Exception {
    Path gz = dir.resolve("x.jsonl.gz");
    try (var os = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      os.write("{\"text\": \"a\"}\n{\"text\": \"ü\"}\n".getBytes(StandardCharsets.UTF_8));
    }
    try (ArrowReader r = new JsonlSource().open(gz, JsonlSource.Options.defaults(), alloc)) {
      assertEquals(List.of(Map.of("text", "a"), Map.of("text", "ü")), TestData.rows(r));
    }
  }
}
