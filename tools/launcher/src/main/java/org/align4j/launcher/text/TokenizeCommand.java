package org.align4j.launcher.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.align4j.api.Align4jException;
import org.align4j.api.text.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code align4j tokenize}: JSONL {@code {"text": ...}} lines in, {@code {"ids": [...]}} lines out, in order. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
    description = {"Encode JSONL lines {\"text\": ...} (stdin or --input) to {\"ids\": [...]} lines, in order, using all cores.",
        "The tokenizer format (tokenizer.json, SentencePiece or tiktoken tokenizer.model) is recognised by content."},
    footer = {"", "Example:", "  echo '{\"text\": \"Hello world\"}' | align4j tokenize --tokenizer runs/qs/tokenizer --bos"})
public final class TokenizeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin TokenizerInput io;

  @Option(names = "--bos", description = "prepend the begin-of-sequence id")
  boolean bos;

  @Option(names = "--eos", description = "append the end-of-sequence id")
  boolean eos;

  @Option(names = "--parse-special", description = "special-token strings in the text become their ids (default: encoded as text)")
  boolean parseSpecial;

  @Option(names = "--field", defaultValue = "text", description = "the JSON field holding the text (default: ${DEFAULT-VALUE})")
  String field;

  /** Lines encoded together, in parallel, before they are written in order. */
  private static final int BATCH = 4096;

  @Override
  public Integer call() throws Exception {
    return TextIo.run(spec, "tokenize", out -> {
      Tokenizer tok = TextIo.tokenizer(io.tokenizer);
      try (BufferedReader r = TextIo.open(io.input)) {
        List<String> batch = new ArrayList<>();
        String expected = "{\"" + field + "\": \"...\"}";
        TextIo.jsonLines(r, io.input, expected, (n, lineNo) -> {
          JsonNode t = n.get(field);
          if (t == null || !t.isTextual()) {
            throw new Align4jException(TextIo.name(io.input) + ": line " + lineNo + ": no string field '" + field + "'; expected " + expected);
          }
          batch.add(t.asText());
          if (batch.size() >= BATCH) {
            encode(tok, batch, out);
          }
        });
        encode(tok, batch, out);
      }
    });
  }

  /** Encodes the texts of {@code batch} on all cores, writes their ids in order and empties the batch. */
  private void encode(Tokenizer tok, List<String> batch, PrintWriter out) {
    String[] lines = new String[batch.size()];
    IntStream.range(0, batch.size()).parallel().forEach(i -> {
      StringBuilder sb = new StringBuilder("{\"ids\":");
      TextIo.ints(sb, tok.encode(batch.get(i), bos, eos, parseSpecial));
      lines[i] = sb.append('}').toString();
    });
    for (String l : lines) {
      out.println(l);
    }
    batch.clear();
  }
}
