package org.align4j.launcher.data;

import static org.align4j.launcher.CliResult.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.align4j.api.data.Schemas;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.launcher.Main;
import org.align4j.launcher.CliResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandsTest {
  /** A convert that fails halfway (a malformed row after good ones) keeps the previous output whole, for every format. */
  @Test
  void aFailedConvertLeavesTheOldOutputAndNoTemporaryFile(@TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n".repeat(5000) + "{\"text\": \u0001 broken\n");
    for (String name : List.of("old.arrow", "old.arrows", "old.jsonl", "old.jsonl.gz", "old.parquet")) {
      Path out = dir.resolve("out").resolve(name);
      Files.createDirectories(out.getParent());
      Files.writeString(out, "previous output");
      CliResult r = run("data", "convert", bad.toString(), out.toString());
      assertEquals(2, r.code(), name + ": " + r.err());
      assertTrue(r.err().contains("bad.jsonl"), r.err());
      assertEquals("previous output", Files.readString(out), name);
      try (var files = Files.list(out.getParent())) {
        assertEquals(List.of(name), files.map(f -> f.getFileName().toString()).toList(), name);
      }
      Files.delete(out);
    }
  }

  @Test
  void convertHeadStats(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("chat.jsonl");
    Files.writeString(in, String.join("\n",
        "{\"conversations\": [{\"from\": \"human\", \"value\": \"Hi 🙂\"}, {\"from\": \"gpt\", \"value\": \"Hello\"}]}",
        "{\"conversations\": [{\"from\": \"human\", \"value\": \"2+2?\"}, {\"from\": \"gpt\", \"value\": \"4\"}]}"),
        StandardCharsets.UTF_8);
    Path arrow = dir.resolve("chat.arrow");
    CliResult c = run("data", "convert", in.toString(), arrow.toString(), "--shape", "conversations");
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("wrote 2 rows"), c.out());
    Path parquet = dir.resolve("chat.parquet");
    CliResult p = run("data", "convert", arrow.toString(), parquet.toString());
    assertEquals(0, p.code(), p.err());
    CliResult h = run("data", "head", parquet.toString(), "-n", "1");
    assertEquals(0, h.code(), h.err());
    assertEquals(1, h.out().strip().lines().count(), h.out());
    assertTrue(h.out().contains("{\"role\":\"user\",\"content\":\"Hi 🙂\"}"), h.out());
    CliResult s = run("data", "stats", arrow.toString());
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().contains("rows:    2"), s.out());
    assertTrue(s.out().contains("messages"), s.out());
    assertTrue(s.out().contains("messages per row: min 2 mean 2.00 max 2"), s.out());
    Path prefs = dir.resolve("prefs.jsonl");
    Files.writeString(prefs, String.join("\n",
        "{\"prompt\": \"a\", \"chosen\": \"x\", \"rejected\": \"y\", \"rating\": 3}",
        "{\"prompt\": \"b\", \"chosen\": \"x\", \"rejected\": \"y\", \"rating\": \"better\"}",
        "{\"prompt\": \"c\", \"chosen\": \"x\", \"rejected\": \"y\", \"rating\": \"significantly better\"}"),
        StandardCharsets.UTF_8);
    CliResult ps = run("data", "stats", prefs.toString());
    assertEquals(0, ps.code(), ps.err());
    assertTrue(ps.out().contains("values of rating: significantly_better=2 better=1"), ps.out());
    assertTrue(ps.out().contains("values of domain: helpfulness=3"), ps.out());
  }

  @Test
  void statsShowsTokenHistogram(@TempDir Path dir) throws Exception {
    Path tok = dir.resolve("tok");
    try (ArrowDatasetStore store = new ArrowDatasetStore()) {
      store.write(tok, Schemas.TOKENIZED, IntStream.range(1, 21).mapToObj(n -> Map.<String, Object>of(
          Schemas.INPUT_IDS, IntStream.range(0, n).toArray(),
          Schemas.LOSS_MASK, List.of((byte) 0, (byte) 1))).iterator());
    }
    CliResult s = run("data", "stats", tok.toString(), "--bins", "4");
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().contains("tokens:  total 210, per row min 1 mean 10.5 max 20"), s.out());
    assertTrue(s.out().contains("token length histogram"), s.out());
    assertTrue(s.out().matches("(?s).*\\s1-5\\s+5 #+\\n.*"), s.out());
    assertTrue(s.out().contains("list<int32>"), s.out());
  }

  @Test
  void badRowsExitTwoNamingTheLine(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("bad.jsonl");
    Files.writeString(in, "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}]}\n{\"messages\": 3}\n", StandardCharsets.UTF_8);
    CliResult c = run("data", "convert", in.toString(), dir.resolve("o.arrow").toString());
    assertEquals(2, c.code());
    assertTrue(c.err().contains(in + ": line 2: field 'messages': expected a list of messages"), c.err());
    assertTrue(!Files.exists(dir.resolve("o.arrow")), "no partial output");
    CliResult skip = run("data", "convert", in.toString(), dir.resolve("o.jsonl").toString(), "--on-error", "skip");
    assertEquals(0, skip.code(), skip.err());
    assertTrue(skip.out().contains("wrote 1 rows"), skip.out());
    assertTrue(skip.err().contains("skipped 1 bad row"), skip.err());
  }

  @Test
  void jsonlReadsEveryLineAndTrailingGarbageIsAnErrorNamingTheLine(@TempDir Path dir) throws Exception {
    String row = "{\"messages\": [{\"role\": \"user\", \"content\": \"%s\"}]}";
    for (String name : List.of("rows.jsonl", "rows.json")) {
      Path in = dir.resolve(name);
      Files.writeString(in, row.formatted("a") + "\n" + row.formatted("b") + "\n\n" + row.formatted("c") + "\n", StandardCharsets.UTF_8);
      CliResult h = run("data", "head", in.toString(), "-n", "10");
      assertEquals(0, h.code(), h.err());
      assertEquals(3, h.out().strip().lines().count(), h.out());
      CliResult s = run("data", "stats", in.toString());
      assertTrue(s.out().contains("rows:    3"), s.out());
      CliResult c = run("data", "convert", in.toString(), dir.resolve(name + ".arrow").toString());
      assertTrue(c.out().contains("wrote 3 rows"), c.out());

      // a second value glued to a line, or garbage after it, used to be dropped silently
      Files.writeString(in, row.formatted("a") + "\n" + row.formatted("b") + row.formatted("lost") + "\n" + row.formatted("c") + " x\n",
          StandardCharsets.UTF_8);
      for (String cmd : List.of("head", "stats", "convert")) {
        CliResult bad = cmd.equals("convert") ? run("data", cmd, in.toString(), dir.resolve(name + ".2.arrow").toString())
            : run("data", cmd, in.toString());
        assertEquals(2, bad.code(), cmd + ": " + bad.out());
        assertTrue(bad.err().contains(in + ": line 2: not valid JSON"), cmd + ": " + bad.err());
      }
    }
  }
}
