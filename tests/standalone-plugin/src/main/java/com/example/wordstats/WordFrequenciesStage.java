package com.example.wordstats;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.apache.commons.lang3.StringUtils;

/**
 * Counts how often each word of a text file occurs, folding case and accents ("Café" and "cafe" are one word)
 * with commons-lang3, a library the plugin bundles, and writes the counts as JSON with Jackson, which align4j
 * shares with plugins.
 */
public final class WordFrequenciesStage implements Stage<WordFrequenciesStage.Options> {
  public record Options(@Doc("words shorter than this are not counted") @Default("1") int minLength) {
    public Options {
      if (minLength < 1) {
        throw new IllegalArgumentException("min_length must be >= 1, got " + minLength);
      }
    }
  }

  @Override
  public String id() {
    return "word-frequencies";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public String description() {
    return "counts words, case and accents folded (example standalone plugin)";
  }

  @Override
  public List<Port> inputs() {
    return List.of(Port.required("text", "a UTF-8 text file"));
  }

  @Override
  public List<Port> outputs() {
    return List.of(Port.required("frequencies", "JSON object: word -> count"));
  }

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    Map<String, Integer> counts = new TreeMap<>();
    for (String line : Files.readAllLines(ctx.input("text"), StandardCharsets.UTF_8)) {
      for (String word : StringUtils.split(StringUtils.stripAccents(line).toLowerCase(Locale.ROOT), " \t.,;:!?")) {
        if (word.length() >= o.minLength()) {
          counts.merge(word, 1, Integer::sum);
        }
      }
    }
    ctx.metrics().scalar("distinct_words", counts.size(), 0);
    var json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    byte[] bytes = json.writeValueAsBytes(counts);
    ctx.writeAtomically(ctx.output("frequencies"), out -> out.write(bytes));
  }
}
