package org.align4j.launcher.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.align4j.api.Align4jException;
import org.align4j.api.text.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code align4j detokenize}: JSONL {@code {"ids": [...]}} lines in, {@code {"text": ...}} lines out. */
@Command(name = "detokenize", mixinStandardHelpOptions = true,
    description = {"Decode JSONL lines {\"ids\": [...]} (stdin or --input) to {\"text\": ...} lines, in order.",
        "Invalid UTF-8 from byte tokens becomes U+FFFD, as the reference implementations do."},
    footer = {"", "Example:", "  align4j tokenize --tokenizer tok/ < in.jsonl | align4j detokenize --tokenizer tok/"})
public final class DetokenizeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "tokenizer file or model directory")
  Path tokenizer;

  @Option(names = "--input", paramLabel = "FILE", description = "JSONL input (default: stdin)")
  Path input;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Tokenizer tok = TextIo.tokenizer(tokenizer);
      try (BufferedReader r = TextIo.open(input)) {
        String line;
        int lineNo = 0;
        while ((line = r.readLine()) != null) {
          lineNo++;
          if (line.isBlank()) {
            continue;
          }
          JsonNode n;
          try {
            n = TextIo.JSON.readTree(line);
          } catch (Exception e) {
            throw new Align4jException(TextIo.name(input) + ": line " + lineNo + ": malformed JSON; expected {\"ids\": [...]}");
          }
          JsonNode ids = n.get("ids");
          if (ids == null || !ids.isArray()) {
            throw new Align4jException(TextIo.name(input) + ": line " + lineNo + ": no array field 'ids'; expected {\"ids\": [...]}");
          }
          int[] a = new int[ids.size()];
          for (int i = 0; i < a.length; i++) {
            if (!ids.get(i).canConvertToInt()) {
              throw new Align4jException(TextIo.name(input) + ": line " + lineNo + ": ids[" + i + "] is not an integer");
            }
            a[i] = ids.get(i).asInt();
            if (a[i] < 0 || a[i] >= tok.vocabSize()) {
              throw new Align4jException(TextIo.name(input) + ": line " + lineNo + ": ids[" + i + "] = " + a[i]
                  + " is outside the vocabulary [0, " + tok.vocabSize() + ")");
            }
          }
          out.println(TextIo.JSON.writeValueAsString(java.util.Map.of("text", tok.decode(a))));
        }
      }
      out.flush();
      return 0;
    } catch (Align4jException e) {
      err.println("align4j detokenize: " + e.getMessage());
      return 2;
    }
  }
}
