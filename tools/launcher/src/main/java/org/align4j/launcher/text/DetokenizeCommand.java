package org.align4j.launcher.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.util.concurrent.Callable;
import org.align4j.api.Align4jException;
import org.align4j.api.text.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code align4j detokenize}: JSONL {@code {"ids": [...]}} lines in, {@code {"text": ...}} lines out. */
@Command(name = "detokenize", mixinStandardHelpOptions = true,
    description = {"Decode JSONL lines {\"ids\": [...]} (stdin or --input) to {\"text\": ...} lines, in order.",
        "Invalid UTF-8 from byte tokens becomes U+FFFD, as the reference implementations do."},
    footer = {"", "Example:", "  align4j tokenize --tokenizer tok/ < in.jsonl | align4j detokenize --tokenizer tok/"})
public final class DetokenizeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin TokenizerInput io;

  @Override
  public Integer call() throws Exception {
    return TextIo.run(spec, "detokenize", out -> {
      Tokenizer tok = TextIo.tokenizer(io.tokenizer);
      try (BufferedReader r = TextIo.open(io.input)) {
        TextIo.jsonLines(r, io.input, "{\"ids\": [...]}", (n, lineNo) -> {
          JsonNode ids = n.get("ids");
          if (ids == null || !ids.isArray()) {
            throw new Align4jException(TextIo.name(io.input) + ": line " + lineNo + ": no array field 'ids'; expected {\"ids\": [...]}");
          }
          int[] a = new int[ids.size()];
          for (int i = 0; i < a.length; i++) {
            if (!ids.get(i).canConvertToInt()) {
              throw new Align4jException(TextIo.name(io.input) + ": line " + lineNo + ": ids[" + i + "] is not an integer");
            }
            a[i] = ids.get(i).asInt();
            if (a[i] < 0 || a[i] >= tok.vocabSize()) {
              throw new Align4jException(TextIo.name(io.input) + ": line " + lineNo + ": ids[" + i + "] = " + a[i]
                  + " is outside the vocabulary [0, " + tok.vocabSize() + ")");
            }
          }
          out.println(TextIo.JSON.writeValueAsString(java.util.Map.of("text", tok.decode(a))));
        });
      }
    });
  }
}
