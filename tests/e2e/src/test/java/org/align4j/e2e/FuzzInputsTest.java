package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, "Done when": a few hundred generated faulty inputs (recipes, --set overrides, data files, tokenizer files)
 * through the launcher in-process. Each must end with exit 1 or 2, no stack trace, the offending file named, and the
 * file beside the run directory untouched.
 */
class FuzzInputsTest {
  @TempDir Path dir;

  record Case(String what, String named, String... args) {}

  static final String BASE = """
      name: fuzz
      run_dir: %s
      vars: {d: 0}
      stages:
        - id: c
          uses: count-words
          inputs: {text: %s}
          options: {delay_ms: %s}
      """;

  Path sentinel;
  Path runDir;
  Path text;
  int n;

  Path write(String name, byte[] bytes) throws Exception {
    return Files.write(dir.resolve("f" + (n++) + "-" + name), bytes);
  }

  Path recipe(String body) throws Exception {
    return write("r.yaml", body.getBytes(StandardCharsets.UTF_8));
  }

  String base(String delay) {
    return BASE.formatted(runDir, text, delay);
  }

  @Test
  void faultyInputsEndInOneLineWithoutDamage() throws Exception {
    long t0 = System.nanoTime();
    sentinel = Files.writeString(dir.resolve("sentinel.txt"), "keep me\n");
    runDir = dir.resolve("run");
    text = Files.writeString(dir.resolve("t.txt"), "a b c\n");
    String plugins = Cli.examplePlugins().toString();
    var rnd = new Random(15);
    var cases = new ArrayList<Case>();

    // 1. option values of the wrong type or out of range
    for (String v : List.of("2.5", "-0.5", "x", "[1]", "{a: 1}", "1e309", "99999999999", "\"${vars.nope}\"", "\"${}\"",
        "\"${vars.d\"", "\"${stages.c.outputs.nope}\"", "null", "true", "0x", ".inf", "-.inf", ".nan")) {
      Path r = recipe(base(v));
      cases.add(new Case("delay_ms: " + v, r.toString(), "run", r.toString(), "--plugins", plugins));
    }
    // 2. structural faults of the recipe
    String ok = base("0");
    List<String> bodies = new ArrayList<>(List.of(
        "", "[]", "42", "name: x", "stages: 3", "name: [a]\nstages: []", ok.replace("uses: count-words", "uses: count-wordz"),
        ok.replace("inputs: {text:", "inputs: {txt:"), ok.replace("id: c", "id: \"c/../..\""), ok + "  - {id: c, uses: count-words}\n",
        ok.replace("run_dir: " + runDir, "run_dir: \"\""), ok.replace("run_dir: " + runDir, "run_dir: [a]"),
        ok.replace("vars: {d: 0}", "vars: {a: \"${vars.b}\", b: \"${vars.a}\"}"), ok.replace("vars: {d: 0}", "vars: 3"),
        ok + "    outputs: {count: ..}\n", ok + "    outputs: {count: /}\n", ok + "    outputs: {count: " + dir + "}\n",
        ok + "    outputs: {count: logs}\n", ok + "    outputs: {count: .align4j}\n", ok + "    outputs: {count: \".\"}\n",
        ok + "    after: [nope]\n", ok + "    frobnicate: 1\n", ok + "defaults: {device: cuda:x}\n", ok + "defaults: {threads: -1}\n",
        ok + "defaults: {seed: 2.5}\n", ok + "metrics: [nope]\n", ok + "bogus: 1\n", ok.replace("  - id: c", "\t- id: c"),
        ok.replace("options: {delay_ms: 0}", "options: {delay_ms: 0, loss: {uses: nope}}"),
        ok.replace("options: {delay_ms: 0}", "options: [1, 2]"), ok.replace("{text: ", "{text: ["),
        // a device this CPU build cannot use; output_roots that are not a list, contain the run directory, or are empty
        ok + "defaults: {device: cuda:99}\n", ok + "output_roots: 3\n", ok + "output_roots: [/]\n",
        ok + "output_roots: [\"\"]\n", ok + "output_roots: [" + dir + "]\n",
        ok + "output_roots: [" + dir.resolve("elsewhere") + "]\n    outputs: {count: " + dir.resolve("elsewhere") + "}\n"));
    // every line with a tab, every line cut short, every line doubled in indentation
    String[] lines = ok.split("\n");
    for (int i = 0; i < lines.length; i++) {
      var l = new ArrayList<>(List.of(lines));
      l.set(i, "\t" + lines[i]);
      bodies.add(String.join("\n", l));
      l = new ArrayList<>(List.of(lines));
      int colon = lines[i].indexOf(": ");
      l.set(i, (colon > 0 ? lines[i].substring(0, colon + 2) : lines[i] + " ") + "\"cut"); // an unclosed quote
      bodies.add(String.join("\n", l));
    }
    for (String b : bodies) {
      Path r = recipe(b);
      cases.add(new Case("recipe " + b.replace('\n', '|'), r.toString(), "run", r.toString(), "--plugins", plugins));
    }
    // 3. binary and random garbage as the recipe
    for (int i = 0; i < 60; i++) {
      byte[] g = new byte[1 + rnd.nextInt(400)];
      rnd.nextBytes(g);
      if (i % 3 == 0) { // a valid recipe with random bytes in it
        byte[] v = ok.getBytes(StandardCharsets.UTF_8);
        g = v.clone();
        for (int k = 0; k < 4; k++) {
          g[rnd.nextInt(g.length)] = (byte) (0x80 + rnd.nextInt(0x40));
        }
      }
      Path r = write("g.yaml", g);
      cases.add(new Case("garbage recipe " + i, r.toString(), "validate", r.toString(), "--plugins", plugins));
    }
    Path rdir = Files.createDirectories(dir.resolve("adir.yaml"));
    cases.add(new Case("recipe is a directory", rdir.toString(), "run", rdir.toString()));
    cases.add(new Case("recipe missing", "nope.yaml", "run", dir.resolve("nope.yaml").toString()));
    // 4. --set overrides that are errors
    Path good = recipe(ok);
    for (String s : List.of("stages=3", ".=1", "run_dir=", "run_dir=[1]", "stages.99999999999999999999.options.delay_ms=1",
        "stages.c.options.delay_ms=2.5", "stages.c.options.delay_ms=x", "stages.c.options.nope=1", "stages.x.id=y", "=1", "x",
        "stages..c=1", "nope.a=1", "stages.c=1", "stages.c.inputs.text=/nonexistent/x", "stages.c.outputs.count=..",
        "defaults.device=tpu", "defaults.threads=0", "vars=1", "name.x=1", "stages.c.uses=nope", "stages.-1.id=x",
        "stages.c.options.delay_ms=${vars.zz}", "stages.c.options.delay_ms=${", "defaults.dtype=int4")) {
      cases.add(new Case("--set " + s, "--set", "run", good.toString(), "--plugins", plugins, "--set", s));
    }
    cases.add(new Case("--plugins missing", "/nonexistent-plugins", "run", good.toString(), "--plugins", "/nonexistent-plugins"));
    cases.add(new Case("--force unknown", "--force", "run", good.toString(), "--plugins", plugins, "--force", "zz"));
    // 5. data files: malformed JSONL, truncated gzip, corrupt Parquet and Arrow, garbage
    var gzBytes = new ByteArrayOutputStream();
    try (var gz = new GZIPOutputStream(gzBytes)) {
      for (int i = 0; i < 3000; i++) {
        gz.write(("{\"text\": \"row " + i + " some words here\"}\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] gzAll = gzBytes.toByteArray();
    var dataFiles = new ArrayList<Path>();
    for (int i = 1; i < 8; i++) {
      dataFiles.add(write("cut.jsonl.gz", java.util.Arrays.copyOf(gzAll, gzAll.length * i / 8)));
    }
    for (String l : List.of("{", "{\"text\": }", "[1, 2", "{\"text\": \"a\"} x", "\u0001\u0002", "{\"a\": " + "[".repeat(3000),
        "{\"text\": \"" + "x".repeat(30_000_000 / 1000) + "\"", "null", "\"just a string\"")) {
      dataFiles.add(write("bad.jsonl", ("{\"text\": \"fine\"}\n" + l + "\n").getBytes(StandardCharsets.UTF_8)));
    }
    dataFiles.add(write("bad-utf8.jsonl", concat("{\"text\": \"ok\"}\n".repeat(20).getBytes(), new byte[] {'{', '"', 't', '"', ':', '"', (byte) 0xC3, '"', '}', '\n'})));
    for (int i = 0; i < 10; i++) {
      byte[] g = new byte[50 + rnd.nextInt(2000)];
      rnd.nextBytes(g);
      dataFiles.add(write("garbage.parquet", concat("PAR1".getBytes(), g, "PAR1".getBytes())));
      dataFiles.add(write("garbage.arrow", concat("ARROW1\0\0".getBytes(), g)));
      dataFiles.add(write("garbage.jsonl", g));
    }
    dataFiles.add(write("empty.parquet", new byte[0]));
    // formats told by content: text named .parquet, gzip garbage named .parquet, Arrow streams cut short under any name
    dataFiles.add(write("text.parquet", "{\"text\": \"a\"}\n".getBytes(StandardCharsets.UTF_8)));
    dataFiles.add(write("gz.parquet", java.util.Arrays.copyOf(gzAll, 100)));
    byte[] stream = Files.readAllBytes(org.align4j.testkit.Repo.root().resolve(
        "tests/fixtures/pyarrow/conversations-datasets-cache.arrow"));
    for (int i = 1; i < 6; i++) {
      byte[] cut = java.util.Arrays.copyOf(stream, stream.length * i / 6);
      dataFiles.add(write("cut.arrow", cut));
      dataFiles.add(write("cut-arrow.jsonl", cut));
    }
    byte[] ipcFile = concat("ARROW1\0\0".getBytes(), java.util.Arrays.copyOf(stream, 3000));
    dataFiles.add(write("cut-file.arrow", ipcFile));
    for (Path f : dataFiles) {
      cases.add(new Case("data head " + f.getFileName(), f.getFileName().toString(), "data", "head", f.toString(), "-n", "100000"));
      cases.add(new Case("data convert " + f.getFileName(), f.getFileName().toString(), "data", "convert", f.toString(),
          dir.resolve("out-" + (n++) + ".parquet").toString()));
    }
    // 6. tokenizer files
    var toks = new ArrayList<Path>();
    for (String t : List.of("", "{", "[]", "{\"model\": 3}", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 2147483000}, \"merges\": []}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}}", "{\"model\": {\"type\": \"BPE\", \"vocab\": [], \"merges\": []}}",
        "{\"model\": {\"type\": \"Unigram\"}}")) {
      toks.add(write("tokenizer.json", t.getBytes(StandardCharsets.UTF_8)));
    }
    Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"text\": \"ab\"}\n");
    for (Path t : toks) {
      cases.add(new Case("tokenizer " + Files.readString(t), t.getFileName().toString(), "tokenize", "--tokenizer", t.toString(),
          "--input", in.toString()));
    }

    assertTrue(cases.size() >= 200, "only " + cases.size() + " cases");
    var failures = new ArrayList<String>();
    for (Case c : cases) {
      Cli r = Cli.run(c.args());
      String all = r.out() + r.err();
      String why = null;
      if (r.exit() != 1 && r.exit() != 2) {
        why = "exit " + r.exit();
      } else if (all.contains("Exception in thread") || all.contains("\tat ")) {
        why = "stack trace";
      } else if (!r.err().contains(c.named())) {
        why = "does not name " + c.named();
      } else if (!r.err().contains("align4j " + c.args()[0]) && !r.err().contains("align4j: ")) {
        why = "no 'align4j <command>:' line";
      }
      if (why != null) {
        failures.add(c.what() + ": " + why + "\n" + r);
      }
      if (!Files.readString(sentinel).equals("keep me\n")) {
        failures.add(c.what() + ": the sentinel beside the run directory changed");
        break;
      }
    }
    assertTrue(Files.exists(sentinel) && Files.exists(text), "files beside the run directory are gone");
    assertEquals(List.of(), failures.size() > 15 ? failures.subList(0, 15) : failures,
        failures.size() + " of " + cases.size() + " cases failed");
    System.out.printf("fuzz: %d cases in %.1f s%n", cases.size(), (System.nanoTime() - t0) / 1e9);
  }

  static byte[] concat(byte[]... parts) {
    var o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }
}
