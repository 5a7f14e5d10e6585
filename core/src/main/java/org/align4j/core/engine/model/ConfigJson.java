package org.align4j.core.engine.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.api.Align4jException;
import org.align4j.api.ComponentRef;
import org.align4j.api.model.ModelConfig;
import org.align4j.api.model.RopeScaling;
import org.align4j.toolkit.io.AtomicFiles;

/** Reads and writes Hugging Face {@code config.json} for {@code LlamaForCausalLM}. */
public final class ConfigJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final String ATTENTION_KEY = "align4j_attention";

  private ConfigJson() {}

  public static ModelConfig read(Path dirOrFile) {
    Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve("config.json") : dirOrFile;
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new Align4jException(file + ": missing; a model directory needs config.json and model.safetensors (Hugging Face layout)");
    } catch (IOException e) {
      throw new Align4jException(file + ": not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new Align4jException(file + ": not a JSON object");
    }
    return parse(root, file.toString());
  }

  static ModelConfig parse(JsonNode root, String where) {
    String type = text(root, "model_type", "llama");
    if (!type.equals("llama")) {
      throw new Align4jException(where + ": model_type '" + type + "' is not supported; align4j runs Llama models (model_type: llama)");
    }
    if (root.path("attention_bias").asBoolean(false) || root.path("mlp_bias").asBoolean(false)) {
      throw new Align4jException(where + ": attention_bias/mlp_bias true is not supported (Llama has no biases)");
    }
    String act = text(root, "hidden_act", "silu");
    if (!act.equals("silu")) {
      throw new Align4jException(where + ": hidden_act '" + act + "' is not supported; Llama uses silu");
    }
    int hidden = integer(root, "hidden_size", where, null);
    int heads = integer(root, "num_attention_heads", where, null);
    int kv = integer(root, "num_key_value_heads", where, heads);
    int headDim = root.hasNonNull("head_dim") ? integer(root, "head_dim", where, null) : hidden / Math.max(1, heads);
    JsonNode ropeParams = root.path("rope_parameters");
    double theta = root.hasNonNull("rope_theta") ? root.get("rope_theta").asDouble()
        : ropeParams.hasNonNull("rope_theta") ? ropeParams.get("rope_theta").asDouble() : 10000.0;
    JsonNode rs = root.hasNonNull("rope_scaling") ? root.get("rope_scaling") : ropeParams;
    RopeScaling scaling = null;
    if (rs.isObject()) {
      String rt = rs.hasNonNull("rope_type") ? rs.get("rope_type").asText() : rs.path("type").asText("default");
      if (!rt.equals("default")) {
        try {
          scaling = new RopeScaling(rt, rs.path("factor").asDouble(1.0), rs.path("low_freq_factor").asDouble(1.0),
              rs.path("high_freq_factor").asDouble(4.0), rs.path("original_max_position_embeddings").asInt(0));
        } catch (IllegalArgumentException e) {
          throw new Align4jException(where + ": rope_scaling: " + e.getMessage());
        }
      }
    }
    int bos = root.path("bos_token_id").isIntegralNumber() ? root.get("bos_token_id").asInt() : -1;
    List<Integer> eos = new ArrayList<>();
    JsonNode e = root.path("eos_token_id");
    if (e.isIntegralNumber()) {
      eos.add(e.asInt());
    } else if (e.isArray()) {
      e.forEach(x -> eos.add(x.asInt()));
    }
    int labels = 0;
    if (root.hasNonNull("align4j_score_heads")) {
      labels = root.get("align4j_score_heads").asInt();
    } else if (root.path("architectures").toString().contains("ForSequenceClassification")) {
      labels = root.hasNonNull("num_labels") ? root.get("num_labels").asInt()
          : root.path("id2label").isObject() ? root.get("id2label").size() : 1;
    }
    String dtype = text(root, "torch_dtype", text(root, "dtype", "float32"));
    try {
      return new ModelConfig(
          integer(root, "vocab_size", where, null),
          hidden,
          integer(root, "intermediate_size", where, null),
          integer(root, "num_hidden_layers", where, null),
          heads, kv, headDim,
          root.path("rms_norm_eps").asDouble(1e-6),
          theta, scaling,
          integer(root, "max_position_embeddings", where, 2048),
          root.path("tie_word_embeddings").asBoolean(false),
          bos, eos, labels, dtype, attention(root, where));
    } catch (IllegalArgumentException ex) {
      throw new Align4jException(where + ": " + ex.getMessage());
    }
  }

  /** {@code align4j_attention: {"uses": id, ...options}}: the attention variant a model was made with, if it narrows visibility. */
  private static ComponentRef attention(JsonNode root, String where) {
    JsonNode a = root.get(ATTENTION_KEY);
    if (a == null || a.isNull()) {
      return null;
    }
    if (!a.isObject() || !a.path("uses").isTextual()) {
      throw new Align4jException(where + ": key '" + ATTENTION_KEY + "' must be an object {\"uses\": variant id, ...options}, got " + a);
    }
    Map<String, Object> options = new LinkedHashMap<>(JSON.convertValue(a, new TypeReference<Map<String, Object>>() {}));
    options.remove("uses");
    return new ComponentRef(a.get("uses").asText(), options);
  }

  private static String text(JsonNode root, String key, String fallback) {
    JsonNode n = root.get(key);
    return n == null || n.isNull() ? fallback : n.asText();
  }

  private static int integer(JsonNode root, String key, String where, Integer fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      if (fallback == null) {
        throw new Align4jException(where + ": missing required key '" + key + "'");
      }
      return fallback;
    }
    if (!n.isIntegralNumber()) {
      throw new Align4jException(where + ": key '" + key + "' must be an integer, got " + n);
    }
    return n.asInt();
  }

  public static ObjectNode toJson(ModelConfig c, String dtype) {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add(c.scoreHeads() > 0 ? "LlamaForSequenceClassification" : "LlamaForCausalLM");
    o.put("model_type", "llama");
    o.put("hidden_act", "silu");
    o.put("attention_bias", false);
    o.put("mlp_bias", false);
    o.put("attention_dropout", 0.0);
    o.put("initializer_range", 0.02);
    if (c.bosTokenId() >= 0) {
      o.put("bos_token_id", c.bosTokenId());
    }
    if (c.eosTokenIds().size() == 1) {
      o.put("eos_token_id", c.eosTokenIds().get(0));
    } else if (!c.eosTokenIds().isEmpty()) {
      var a = o.putArray("eos_token_id");
      c.eosTokenIds().forEach(a::add);
    }
    o.put("torch_dtype", dtype);
    o.put("max_position_embeddings", c.maxPositionEmbeddings());
    o.put("vocab_size", c.vocabSize());
    o.put("hidden_size", c.hiddenSize());
    o.put("intermediate_size", c.intermediateSize());
    o.put("num_hidden_layers", c.numLayers());
    o.put("num_attention_heads", c.numHeads());
    o.put("num_key_value_heads", c.numKeyValueHeads());
    o.put("head_dim", c.headDim());
    o.put("rms_norm_eps", c.rmsNormEps());
    o.put("rope_theta", c.ropeTheta());
    if (c.ropeScaling() == null) {
      o.putNull("rope_scaling");
    } else {
      ObjectNode s = o.putObject("rope_scaling");
      s.put("rope_type", c.ropeScaling().type());
      s.put("factor", c.ropeScaling().factor());
      if (c.ropeScaling().type().equals("llama3")) {
        s.put("low_freq_factor", c.ropeScaling().lowFreqFactor());
        s.put("high_freq_factor", c.ropeScaling().highFreqFactor());
        s.put("original_max_position_embeddings", c.ropeScaling().originalMaxPositionEmbeddings());
      }
    }
    o.put("tie_word_embeddings", c.tieWordEmbeddings());
    if (c.scoreHeads() > 0) {
      o.put("num_labels", c.scoreHeads());
      o.put("align4j_score_heads", c.scoreHeads());
    }
    if (c.attention() != null) {
      ObjectNode a = o.putObject(ATTENTION_KEY);
      a.put("uses", c.attention().uses());
      a.setAll((ObjectNode) JSON.valueToTree(c.attention().options()));
    }
    return o;
  }

  public static void write(ModelConfig c, String dtype, Path dir) {
    try {
      AtomicFiles.writeString(dir.resolve("config.json"), JSON.writeValueAsString(toJson(c, dtype)) + "\n");
    } catch (IOException e) {
      throw new Align4jException(dir.resolve("config.json") + ": cannot write: " + e.getMessage(), e);
    }
  }
}
