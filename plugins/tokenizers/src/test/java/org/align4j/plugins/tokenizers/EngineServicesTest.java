package org.align4j.plugins.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.align4j.api.text.ChatFormats;
import org.align4j.api.text.Tokenizer;
import org.align4j.api.text.Tokenizers;
import org.align4j.core.Align4j;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.core.inject.Services;
import org.align4j.core.metrics.MetricsHub;
import org.junit.jupiter.api.Test;

/** The engine's Tokenizers / ChatFormats services find these providers and pick each file's format by content. */
class EngineServicesTest {
  @Test
  void servicesLoadEveryFormatByContent() {
    Services s = new Services(Align4j.create().registry(), RecipeDefaults.of(Map.of()), new MetricsHub());
    Tokenizers tokenizers = s.get(Tokenizers.class);
    Tokenizer hf = tokenizers.load(Fixtures.reference("trained-llama3"));
    assertEquals("hf-tokenizer-json", hf.format());
    Tokenizer tt = tokenizers.load(Fixtures.reference("trained-llama3/tokenizer.tiktoken"));
    assertEquals("tiktoken", tt.format());
    Tokenizer sp = tokenizers.load(Fixtures.reference("trained-llama2"));
    assertEquals("sentencepiece", sp.format());
    String text = "Hello, world! 123 \u4f60\u597d <|eot_id|>";
    assertArrayEquals(hf.encode(text, true, false, true), tt.encode(text, true, false, true));
    ChatFormats formats = s.get(ChatFormats.class);
    assertTrue(formats.get("llama3") instanceof Llama3ChatFormat);
    assertTrue(formats.get("llama2") instanceof Llama2ChatFormat);
  }
}
