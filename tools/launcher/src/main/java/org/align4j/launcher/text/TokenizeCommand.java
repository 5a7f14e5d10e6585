package org.align4j.launcher.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.align4j.api.Align4jException;
import org.align4j.api.text.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code align4j tokenize}: JSONL {@code {"text": ...}} lines in, {@code {"ids": [...]}} lines out, in order. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
    description = {"Encode JSONL lines {\"text\": ...} (stdin or --input) to {\"ids\": [...]} lines, in order, using all cores.",
        "The tokenizer format (tokenizer.json, SentencePiece or tiktoken tokenizer.model) is recognised by content."},
    footer = {"", "Example:", "  echo '{\"text\": \"Hello world\"}' | align4j tokenize --tokenizer runs/qs/tokenizer --bos"})
public final class TokenizeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "tokenizer file or model directory")
  Path tokenizer;

  @Option(names = "--input", paramLabel = "FILE", description = "JSONL input (default: stdin)")
  Path input;

  @Option(names = "--bos", description = "prepend the begin-of-sequence id")
  boolean bos;

  @Option(names = "--eos", description = "append the end-of-sequence id")
  boolean eos;

  @Option(names = "--parse-special", description = "special-token strings in the text become their ids (default: encoded as text)")
  boolean parseSpecial;

  @Option(names = "--field", defaultValue = "text", description = "the JSON field holding the text (default: ${DEFAULT-VALUE})")
  String field;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Tokenizer tok = TextIo.tokenizer(tokenizer);
      try (BufferedReader r = TextIo.open(input)) {
        List<String> batch = new ArrayList<>();
        int lineNo = 0;
        String line;
        while (true) {
          line = r.readLine();
          if (line != null) {
            lineNo++;
            if (line.isBlank()) {
              continue;
            }
            JsonNode n;
            try {
              n = TextIo.JSON.readTree(line);
            } catch (Exception e) {
              throw new Align4jException(TextIo.name(input) + ": line " + lineNo + ": malformed JSON; expected {\"" + field + "\": \"...\"}");
            }
            JsonNode t = n.get(field);
            if (t == null || !t.isTextual()) {
              throw new Align4jException(TextIo.name(input) + ": line " + lineNo + ": no string field '" + field + "'; expected {\"" + field + "\": \"...\"}");
            }
            batch.add(t.asText());
          }
          if (batch.size() >= 4096 || (line == null && !batch.isEmpty())) {
            List<String> texts = batch;
            String[] lines = new String[texts.size()];
            IntStream.range(0, texts.size()).parallel().forEach(i -> {
              StringBuilder sb = new StringBuilder("{\"ids\":");
              TextIo.ints(sb, tok.encode(texts.get(i), bos, eos, parseSpecial));
              lines[i] = sb.append('}').toString();
            });
            for (String l : lines) {
              out.println(l);
            }
            batch = new ArrayList<>();
          }
          if (line == null) {
            break;
          }
        }
      }
      out.flush();
      return 0;
    } catch (Align4jException e) {
      err.println("align4j tokenize: " + e.getMessage());
      return 2;
    }
  }
}
