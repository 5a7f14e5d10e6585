package org.align4j.core.engine;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.align4j.api.Align4jException;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.engine.Device;
import org.align4j.api.engine.Models;
import org.align4j.api.model.AttentionVariant;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.toolkit.io.AtomicFiles;
import org.align4j.core.engine.io.SafeTensors;
import org.align4j.core.engine.model.ConfigJson;
import org.align4j.core.engine.model.LlamaModel;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Models} on libtorch: Hugging Face checkpoint directories, float32 compute on the run's device. */
public final class LocalModels implements Models {
  private static final Logger LOG = LoggerFactory.getLogger(LocalModels.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  static final String INDEX = "model.safetensors.index.json";
  static final String SINGLE = "model.safetensors";
  private final Device device;
  /** Resolves a checkpoint's attention variant; null outside a run (then only plain-attention models build). */
  private Components components;

  @Inject
  public LocalModels(Device device) {
    this.device = device;
  }

  /** Optional so that an injector without the plugin registry still builds this service. */
  @com.google.inject.Inject(optional = true)
  void setComponents(Components components) {
    this.components = components;
  }

  @Override
  public ModelConfig readConfig(Path dir) {
    return ConfigJson.read(dir);
  }

  @Override
  public LanguageModel load(Path dir, LoadOptions options) {
    ModelConfig config = readConfig(dir);
    Map<String, Tensor> raw = readWeights(dir);
    boolean hasScore = raw.containsKey("score.weight");
    if (options.scoreHeads() > 0 && !hasScore) {
      config = config.withScoreHeads(options.scoreHeads());
      raw.put("score.weight", Tensors.keep(init(new long[] {options.scoreHeads(), config.hiddenSize()}, options.seed())));
    } else if (hasScore && config.scoreHeads() == 0) {
      config = config.withScoreHeads((int) raw.get("score.weight").size(0));
    }
    if (config.tieWordEmbeddings()) {
      Tensor extra = raw.remove("lm_head.weight");
      if (extra != null) {
        extra.close();
      }
    }
    return build(config, raw, options.trainable(), dir.toString());
  }

  private LanguageModel build(ModelConfig config, Map<String, Tensor> raw, boolean trainable, String where) {
    Map<String, Tensor> weights = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope()) {
      // refused by name before anything is built: an integer tensor (it would be cast silently) and a weight holding
      // NaN or infinity (generation would print NUL bytes and NaN log-probs); one pass over the weights
      for (Map.Entry<String, Tensor> e : raw.entrySet()) {
        Tensor t = e.getValue();
        if (!t.is_floating_point()) {
          throw new Align4jException(where + ": tensor '" + e.getKey() + "' holds " + t.dtype().name().getString()
              + " values; a weight must be a floating-point tensor (F32, F16, BF16)");
        }
        if (!torch.isfinite(t).all().item_bool()) {
          long nan = torch.isnan(t).sum().item_long();
          throw new Align4jException(where + ": tensor '" + e.getKey() + "' holds " + (nan > 0 ? nan + " NaN" : "no NaN")
              + " and " + torch.isinf(t).sum().item_long() + " infinite values; the checkpoint is corrupt (a diverged"
              + " training run?)");
        }
      }
      for (Map.Entry<String, Tensor> e : raw.entrySet()) {
        // to() aliases when nothing changes; the Java wrappers only hold references to the native tensor
        weights.put(e.getKey(), Tensors.keep(e.getValue().to(device.torchDevice(), ScalarType.Float)));
      }
    }
    for (Tensor t : raw.values()) {
      t.close();
    }
    LlamaModel model;
    try {
      model = new LlamaModel(config, weights, device.torchDevice(), visibility(config));
    } catch (Align4jException e) {
      throw new Align4jException(where + ": " + e.getMessage(), e);
    }
    for (Map.Entry<String, Tensor> e : weights.entrySet()) {
      if (!model.parameters().containsKey(e.getKey())) {
        LOG.warn("{}: ignoring tensor '{}' that a Llama model does not use", where, e.getKey());
        e.getValue().close();
      }
    }
    model.requiresGrad(trainable);
    return model;
  }

  /** The visibility of the config's attention variant, checked against its key/value head count; null for plain attention. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private AttentionVariant.Visibility visibility(ModelConfig config) {
    ComponentRef ref = config.attention();
    if (ref == null) {
      return null;
    }
    if (components == null) {
      throw new Align4jException("the model uses attention variant '" + ref.uses() + "', which needs the plugin registry:"
          + " use the Models service of a run (or of org.align4j.core.inject.Services)");
    }
    var bound = components.resolve(AttentionVariant.class, ref);
    AttentionVariant variant = bound.provider();
    int kv = variant.keyValueHeads(config.numHeads(), bound.options());
    if (kv != config.numKeyValueHeads()) {
      throw new Align4jException("attention variant '" + ref.uses() + "' gives " + kv + " key/value heads for "
          + config.numHeads() + " query heads, but num_key_value_heads is " + config.numKeyValueHeads());
    }
    return variant.visibility(bound.options());
  }

  private Map<String, Tensor> readWeights(Path dir) {
    Path index = dir.resolve(INDEX);
    Path single = dir.resolve(SINGLE);
    if (Files.isRegularFile(single)) {
      return new LinkedHashMap<>(SafeTensors.read(single));
    }
    if (!Files.isRegularFile(index)) {
      if (Files.exists(dir.resolve("pytorch_model.bin"))) {
        throw new Align4jException(dir + ": only pytorch_model.bin (pickle) found; align4j never loads pickle. Convert it "
            + "with save_pretrained(..., safe_serialization=True)");
      }
      throw new Align4jException(dir + ": no " + SINGLE + " or " + INDEX + " found");
    }
    JsonNode root;
    try {
      root = JSON.readTree(index.toFile());
    } catch (IOException e) {
      throw new Align4jException(index + ": not valid JSON: " + e.getMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new Align4jException(index + ": missing object 'weight_map' {tensor name: shard file}");
    }
    Map<String, List<String>> byFile = new TreeMap<>();
    map.fields().forEachRemaining(e -> byFile.computeIfAbsent(e.getValue().asText(), k -> new ArrayList<>()).add(e.getKey()));
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> e : byFile.entrySet()) {
      String file = e.getKey();
      if (file.contains("/") || file.contains("\\") || file.startsWith(".")) {
        throw new Align4jException(index + ": shard name '" + file + "' must be a plain file name in the same directory");
      }
      Map<String, Tensor> part = SafeTensors.read(dir.resolve(file), new java.util.HashSet<>(e.getValue()));
      for (String name : e.getValue()) {
        if (!part.containsKey(name)) {
          throw new Align4jException(index + ": tensor '" + name + "' is mapped to " + file + " but that file lacks it");
        }
      }
      out.putAll(part);
    }
    return out;
  }

  private Tensor init(long[] shape, long seed) {
    org.bytedeco.pytorch.Generator g = torch.createCPUGenerator(seed);
    return torch.randn(shape, new GeneratorOptional(g), new TensorOptions(ScalarType.Float)).mul_(
        new org.bytedeco.pytorch.Scalar(0.02));
  }

  @Override
  public LanguageModel create(ModelConfig config, long seed) {
    Map<String, Tensor> w = new LinkedHashMap<>();
    org.bytedeco.pytorch.Generator g = torch.createCPUGenerator(seed);
    int d = config.hiddenSize();
    int q = config.numHeads() * config.headDim();
    int kv = config.numKeyValueHeads() * config.headDim();
    int f = config.intermediateSize();
    try (PointerScope scope = new PointerScope()) {
      w.put("model.embed_tokens.weight", normal(g, config.vocabSize(), d));
      for (int i = 0; i < config.numLayers(); i++) {
        String n = "model.layers." + i + ".";
        w.put(n + "input_layernorm.weight", Tensors.keep(torch.ones(d)));
        w.put(n + "self_attn.q_proj.weight", normal(g, q, d));
        w.put(n + "self_attn.k_proj.weight", normal(g, kv, d));
        w.put(n + "self_attn.v_proj.weight", normal(g, kv, d));
        w.put(n + "self_attn.o_proj.weight", normal(g, d, q));
        w.put(n + "post_attention_layernorm.weight", Tensors.keep(torch.ones(d)));
        w.put(n + "mlp.gate_proj.weight", normal(g, f, d));
        w.put(n + "mlp.up_proj.weight", normal(g, f, d));
        w.put(n + "mlp.down_proj.weight", normal(g, d, f));
      }
      w.put("model.norm.weight", Tensors.keep(torch.ones(d)));
      if (!config.tieWordEmbeddings()) {
        w.put("lm_head.weight", normal(g, config.vocabSize(), d));
      }
      if (config.scoreHeads() > 0) {
        w.put("score.weight", normal(g, config.scoreHeads(), d));
      }
    }
    return build(config, w, true, "new model");
  }

  private static Tensor normal(org.bytedeco.pytorch.Generator g, long... shape) {
    return Tensors.keep(torch.randn(shape, new GeneratorOptional(g), new TensorOptions(ScalarType.Float))
        .mul_(new org.bytedeco.pytorch.Scalar(0.02)));
  }

  @Override
  public LanguageModel copy(LanguageModel model, boolean trainable) {
    Map<String, Tensor> w = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
        w.put(e.getKey(), Tensors.keep(e.getValue().detach().clone()));
      }
    }
    return build(model.config(), w, trainable, "copy");
  }

  @Override
  public void save(LanguageModel model, Path dir, SaveOptions options) {
    String dtype = options.dtype() != null ? options.dtype() : model.config().dtype();
    ScalarType st = switch (dtype) {
      case "bfloat16" -> ScalarType.BFloat16;
      case "float16" -> ScalarType.Half;
      default -> ScalarType.Float;
    };
    try (PointerScope scope = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
      Files.createDirectories(dir);
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
        out.put(e.getKey(), e.getValue().detach().to(new org.bytedeco.pytorch.Device("cpu"), st));
      }
      Map<String, String> meta = Map.of("format", "pt");
      if (options.maxShardBytes() <= 0) {
        SafeTensors.write(dir.resolve(SINGLE), out, meta);
        Files.deleteIfExists(dir.resolve(INDEX));
      } else {
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> cur = new LinkedHashMap<>();
        long curBytes = 0;
        long total = 0;
        for (Map.Entry<String, Tensor> e : new TreeMap<>(out).entrySet()) {
          long nb = e.getValue().nbytes();
          if (!cur.isEmpty() && curBytes + nb > options.maxShardBytes()) {
            shards.add(cur);
            cur = new LinkedHashMap<>();
            curBytes = 0;
          }
          cur.put(e.getKey(), e.getValue());
          curBytes += nb;
          total += nb;
        }
        shards.add(cur);
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
          String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
          SafeTensors.write(dir.resolve(name), shards.get(i), meta);
          for (String k : shards.get(i).keySet()) {
            map.put(k, name);
          }
        }
        AtomicFiles.writeString(dir.resolve(INDEX), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n");
        Files.deleteIfExists(dir.resolve(SINGLE));
      }
      ConfigJson.write(model.config(), dtype, dir);
    } catch (IOException e) {
      throw new Align4jException(dir + ": cannot save model: " + e.getMessage(), e);
    }
  }
}
