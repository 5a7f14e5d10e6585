package org.align4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.align4j.api.text.Tokenizer;
import org.align4j.plugins.tokenizers.TokenizerFiles;

/**
 * Tokenizer throughput (run by tools/bench/tokenizers.sh next to Hugging Face tokenizers' Node binding on the same
 * corpus): {@code TokenizerBench CORPUS.jsonl TOKENIZER...}. Prints one line per tokenizer: MB/s of UTF-8 input on
 * one thread (sequential encode) and on all cores ({@code encodeBatch}), plus tokens per pass as a cross-check.
 */
public final class TokenizerBench {
  private TokenizerBench() {}

  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> texts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      if (!line.isBlank()) {
        texts.add(json.readTree(line).get("text").asText());
      }
    }
    long bytes = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
    int passes = Integer.getInteger("passes", 5);
    for (int a = 1; a < args.length; a++) {
      long t0 = System.nanoTime();
      Tokenizer tok = TokenizerFiles.load(Path.of(args[a]));
      double load = (System.nanoTime() - t0) / 1e9;
      // warm-up (JIT) on both paths
      for (int w = 0; w < 2; w++) {
        for (String t : texts) {
          tok.encode(t, false, false, true);
        }
        tok.encodeBatch(texts, false, false);
      }
      long tokens = 0;
      long s0 = System.nanoTime();
      for (int p = 0; p < passes; p++) {
        for (String t : texts) {
          tokens += tok.encode(t, false, false, true).length;
        }
      }
      double single = (System.nanoTime() - s0) / 1e9 / passes;
      long m0 = System.nanoTime();
      for (int p = 0; p < passes; p++) {
        tok.encodeBatch(texts, false, false);
      }
      double multi = (System.nanoTime() - m0) / 1e9 / passes;
      System.out.printf(Locale.ROOT, "align4j  %-36s load %5.2fs  1 core %7.2f MB/s  %d cores %7.2f MB/s  tokens/pass %d%n",
          Path.of(args[a]).getParent().getFileName() + "/" + Path.of(args[a]).getFileName() + " (" + tok.format() + ")", load, bytes / 1e6 / single,
          Runtime.getRuntime().availableProcessors(), bytes / 1e6 / multi, tokens / passes);
    }
  }
}
