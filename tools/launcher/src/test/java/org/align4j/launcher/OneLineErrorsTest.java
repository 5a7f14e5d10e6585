package org.align4j.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15 item 4: every command ends with one line {@code align4j <command>: <message>}, never a stack trace. */
class OneLineErrorsTest {
  @TempDir Path dir;

  record R(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  static R run(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    var sysErr = System.err;
    var captured = new ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true));
    int code;
    try {
      code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    } finally {
      System.setErr(sysErr);
    }
    return new R(code, out.toString(), err.toString() + captured);
  }

  /** Exit 1 or 2, no trace, and the last line is {@code align4j <command>: ...} containing every expected part. */
  static R oneLine(String command, R r, String... expect) {
    assertTrue(r.code == 1 || r.code == 2, r.toString());
    assertTrue(!r.err.contains("\tat ") && !r.err.contains("Exception in thread") && !r.err.contains("Caused by"), r.toString());
    String[] lines = r.err.strip().split("\n");
    String last = lines[lines.length - 1];
    assertTrue(r.err.contains("align4j " + command + ": "), r.toString());
    for (String e : expect) {
      assertTrue(r.err.contains(e), "missing '" + e + "' in " + r);
    }
    assertTrue(last.chars().allMatch(c -> c >= 0x20 || c == '\t'), "control characters in " + last);
    return r;
  }

  static Path root() {
    Path d = Path.of("").toAbsolutePath();
    while (d != null && !Files.isDirectory(d.resolve("tests/fixtures/hf-llama"))) {
      d = d.getParent();
    }
    return d;
  }

  Path recipe(String extra) throws Exception {
    Files.writeString(dir.resolve("t.txt"), "a b\n");
    return Files.writeString(dir.resolve("r.yaml"), """
        name: t
        run_dir: %s
        stages:
          - {id: c, uses: tasks%s}
        """.formatted(dir.resolve("run"), extra));
  }

  @Test
  void hugeStageIndexInSet() throws Exception {
    Path r = recipe("");
    oneLine("validate", run("validate", r.toString(), "--set", "stages.99999999999999999999.options.x=1"), "no stage '99999999999999999999'");
  }

  @Test
  void missingPluginsDirectory() throws Exception {
    Path r = recipe("");
    oneLine("validate", run("validate", r.toString(), "--plugins", "/nonexistent-align4j"), "/nonexistent-align4j");
  }

  @Test
  void truncatedGzipAndCorruptParquetAndMalformedJsonl() throws Exception {
    var bytes = new ByteArrayOutputStream();
    try (var gz = new GZIPOutputStream(bytes)) {
      for (int i = 0; i < 2000; i++) {
        gz.write(("{\"text\": \"line " + i + " with some words to make it longer\"}\n").getBytes());
      }
    }
    byte[] all = bytes.toByteArray();
    Path gz = Files.write(dir.resolve("cut.jsonl.gz"), java.util.Arrays.copyOf(all, all.length / 2));
    oneLine("data head", run("data", "head", gz.toString(), "-n", "5000"), "cut.jsonl.gz");
    oneLine("data convert", run("data", "convert", gz.toString(), dir.resolve("o.arrow").toString()), "cut.jsonl.gz");

    Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \u0001\u0002 broken\n");
    oneLine("data convert", run("data", "convert", bad.toString(), dir.resolve("o.parquet").toString()), "bad.jsonl");

    Path pq = Files.write(dir.resolve("bad.parquet"), ("PAR1" + "x".repeat(300) + "PAR1").getBytes());
    oneLine("data head", run("data", "head", pq.toString()), "bad.parquet");
  }

  @Test
  void generateSizesAreBounded() {
    Path model = root().resolve("tests/fixtures/hf-llama/tiny-llama3-gqa");
    oneLine("generate", run("generate", "--model", model.toString(), "--prompt-ids", "1,2,3", "--max-new-tokens", "2147483647"),
        "max-new-tokens");
    oneLine("generate", run("generate", "--model", model.toString(), "--prompt-ids", "1,2,3", "--max-new-tokens", "100000000"),
        "max-new-tokens");
  }

  @Test
  void tokenizerWithHugeIdIsRefused() throws Exception {
    Path tok = Files.writeString(dir.resolve("tokenizer.json"), """
        {"model": {"type": "BPE", "vocab": {"a": 0, "b": 2147483000}, "merges": []}, "added_tokens": []}
        """);
    Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"text\": \"ab\"}\n");
    oneLine("tokenize", run("tokenize", "--tokenizer", tok.toString(), "--input", in.toString()), "tokenizer.json");
  }

  @Test
  void readOnlyRunDirectory() throws Exception {
    Path ro = Files.createDirectories(dir.resolve("ro"));
    Path r = Files.writeString(dir.resolve("r.yaml"), """
        name: t
        run_dir: %s
        stages:
          - {id: c, uses: tasks}
        """.formatted(ro.resolve("run")));
    ro.toFile().setWritable(false);
    try {
      if (Files.isWritable(ro)) {
        return; // running as root: nothing is read-only
      }
      oneLine("run", run("run", r.toString()), ro.resolve("run").toString());
    } finally {
      ro.toFile().setWritable(true);
    }
  }

  @Test
  void deviceThatDoesNotExist() {
    Path model = root().resolve("tests/fixtures/hf-llama/tiny-llama3-gqa");
    var res = oneLine("generate", run("generate", "--model", model.toString(), "--prompt-ids", "1,2", "--device", "cuda:99"), "cuda:99");
    assertTrue(res.err.split("cuda:99", -1).length <= 3, "repeated: " + res);
  }
}
