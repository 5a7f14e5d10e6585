package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.align4j.api.Align4jException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad checkpoint directories give errors naming the file and the fix. */
class ModelsErrorsTest {
  static final Path GQA = EngineTestSupport.hfLlama().resolve("tiny-llama3-gqa");

  static String fails(Path dir) {
    return assertThrows(Align4jException.class, () -> EngineTestSupport.MODELS.load(dir)).getMessage();
  }

  @Test
  void configAndWeightsMustAgree(@TempDir Path tmp) throws Exception {
    Files.copy(GQA.resolve("model.safetensors"), tmp.resolve("model.safetensors"));
    Files.writeString(tmp.resolve("config.json"),
        Files.readString(GQA.resolve("config.json")).replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4"));
    String m = fails(tmp);
    assertTrue(m.contains("num_attention_heads (6) must be a multiple of num_key_value_heads (4)"), m);
    assertTrue(m.contains("config.json"), m);
    Files.writeString(tmp.resolve("config.json"),
        Files.readString(GQA.resolve("config.json")).replace("\"intermediate_size\": 128", "\"intermediate_size\": 64"));
    m = fails(tmp);
    assertTrue(m.contains(tmp.toString()) && m.contains("mlp.gate_proj.weight") && m.contains("[128, 48]"), m);
    Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": 48}");
    m = fails(tmp);
    assertTrue(m.contains("missing required key"), m);
    Files.writeString(tmp.resolve("config.json"), Files.readString(GQA.resolve("config.json"))
        .replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt2\""));
    assertTrue(fails(tmp).contains("model_type 'gpt2' is not supported"));
  }

  /**
   * A model whose attention variant narrows visibility records it in config.json and keeps it through a read; a
   * Models service without the plugin registry refuses to build it (it would attend differently), and a malformed
   * key is named.
   */
  @Test
  void aRecordedAttentionVariantRoundTripsAndNeedsTheRegistry(@TempDir Path tmp) throws Exception {
    Files.copy(GQA.resolve("model.safetensors"), tmp.resolve("model.safetensors"));
    String config = Files.readString(GQA.resolve("config.json"));
    assertNull(EngineTestSupport.MODELS.readConfig(GQA).attention());
    Files.writeString(tmp.resolve("config.json"), config.replace("\"model_type\": \"llama\"",
        "\"model_type\": \"llama\", \"align4j_attention\": {\"uses\": \"sliding-window\", \"window\": 4}"));
    var read = EngineTestSupport.MODELS.readConfig(tmp);
    assertEquals(new org.align4j.api.ComponentRef("sliding-window", java.util.Map.of("window", 4)), read.attention());
    var json = org.align4j.core.engine.model.ConfigJson.toJson(read, "float32");
    assertEquals("{\"uses\":\"sliding-window\",\"window\":4}", json.get("align4j_attention").toString());
    String m = fails(tmp);
    assertTrue(m.contains("attention variant 'sliding-window', which needs the plugin registry"), m);
    Files.writeString(tmp.resolve("config.json"), config.replace("\"model_type\": \"llama\"",
        "\"model_type\": \"llama\", \"align4j_attention\": \"sliding-window\""));
    m = fails(tmp);
    assertTrue(m.contains("key 'align4j_attention' must be an object"), m);
  }

  @Test
  void missingWeightsAndPickleAreExplained(@TempDir Path tmp) throws Exception {
    assertTrue(fails(tmp).contains("config.json"));
    Files.copy(GQA.resolve("config.json"), tmp.resolve("config.json"));
    assertTrue(fails(tmp).contains("no model.safetensors"));
    Files.writeString(tmp.resolve("pytorch_model.bin"), "not loaded");
    assertTrue(fails(tmp).contains("never loads pickle"));
  }

  @Test
  void jsonFilesWithTrailingGarbageAreErrorsNamingFileAndLine(@TempDir Path tmp) throws Exception {
    Files.copy(GQA.resolve("model.safetensors"), tmp.resolve("model.safetensors"));
    String config = Files.readString(GQA.resolve("config.json")).strip();
    long lines = config.lines().count();
    // a second document glued after the first used to be ignored: the model loaded from the first one
    Files.writeString(tmp.resolve("config.json"), config + "\n{\"num_key_value_heads\": 6}\n");
    String m = fails(tmp);
    assertTrue(m.contains(tmp.resolve("config.json") + ": not valid JSON") && m.contains("line: " + (lines + 1)), m);
    Files.writeString(tmp.resolve("config.json"), config + " garbage\n");
    m = fails(tmp);
    assertTrue(m.contains(tmp.resolve("config.json") + ": not valid JSON") && m.contains("line: " + lines), m);

    Files.copy(GQA.resolve("config.json"), tmp.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp.resolve("model.safetensors"), tmp.resolve("shard-1.safetensors"));
    Files.writeString(tmp.resolve("model.safetensors.index.json"), "{\"weight_map\": {}}\n]");
    m = fails(tmp);
    assertTrue(m.contains(tmp.resolve("model.safetensors.index.json") + ": not valid JSON") && m.contains("line: 2"), m);
  }
}
