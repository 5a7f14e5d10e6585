package org.align4j.launcher.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.align4j.core.engine.Tensors;
import org.align4j.core.engine.io.SafeTensors;
import org.align4j.testkit.Repo;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GenerateCommandTest {
  static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new GenerateCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  @Test
  void greedyJsonMatchesTransformers() throws Exception {
    Path fixtures = Repo.root().resolve("tests/fixtures/hf-llama");
    Map<String, Tensor> refs = SafeTensors.read(fixtures.resolve("refs.safetensors"));
    long[] greedy = Tensors.toLongs(refs.get("tiny-llama3-gqa.greedy_1"));
    StringBuilder ids = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      ids.append(i == 0 ? "" : ",").append(greedy[i]);
    }
    String[] r = run("--model", fixtures.resolve("tiny-llama3-gqa").toString(), "--prompt-ids", ids.toString(),
        "--greedy", "--max-new-tokens", "16", "--stop", "-1", "--threads", "1", "--json");
    assertEquals("0", r[0], r[2]);
    JsonNode j = new ObjectMapper().readTree(r[1]);
    long[] got = new long[j.get("ids").size()];
    for (int i = 0; i < got.length; i++) {
      got[i] = j.get("ids").get(i).asLong();
    }
    assertArrayEquals(greedy, got);
    assertEquals(16, j.get("logprobs").size());
    assertTrue(j.get("logprobs").get(0).asDouble() < 0);
    assertTrue(!j.has("text"));
  }

  @Test
  void promptTextWithoutTokenizerIsAClearError() {
    String[] r = run("--model", Repo.root().resolve("tests/fixtures/hf-llama/tiny-llama3-gqa").toString(), "--prompt", "hi");
    assertEquals("2", r[0]);
    assertTrue(r[2].contains("no tokenizer.json or tokenizer.model"), r[2]);
  }
}
