package org.align4j.plugins.tokenizers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a byte-level BPE vocabulary as Hugging Face {@code tokenizer.json} (Llama 3's pre-tokenizer, post-processor
 * and decoder; the special tokens after the base vocabulary) and {@code tokenizer_config.json} (bos/eos and the
 * Llama 3.0 chat template), key for key as the released Llama 3 files.
 */
final class HfTokenizerJsonWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HfTokenizerJsonWriter() {}

  /** Writes both files into {@code outDir}; returns the {@code tokenizer.json} path. */
  static Path write(ByteLevelBpeTraining.Vocabulary v, List<String> specials, Path outDir, TokenizerTrainer.FileSink files)
      throws IOException {
    int base = v.size();
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < specials.size(); i++) {
      ObjectNode a = added.addObject();
      a.put("id", base + i);
      a.put("content", specials.get(i));
      a.put("single_word", false);
      a.put("lstrip", false);
      a.put("rstrip", false);
      a.put("normalized", false);
      a.put("special", true);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Sequence");
    ArrayNode pres = pre.putArray("pretokenizers");
    ObjectNode split = pres.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", Regexes.LLAMA3);
    split.put("behavior", "Isolated");
    split.put("invert", false);
    byteLevel(pres.addObject(), false, false);
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    String bot = "<|begin_of_text|>";
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", bot).put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", bot).put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", bot).put("type_id", 1);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode st = post.putObject("special_tokens").putObject(bot);
    st.put("id", bot);
    st.putArray("ids").add(base);
    st.putArray("tokens").add(bot);
    byteLevel(root.putObject("decoder"), true, true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", true);
    ObjectNode vocab = model.putObject("vocab");
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < base; i++) {
      String s = ByteLevel.encode(v.tokens()[i]);
      if (seen.putIfAbsent(s, i) != null) {
        throw new IllegalStateException("duplicate token " + s);
      }
      vocab.put(s, i);
    }
    ArrayNode merges = model.putArray("merges");
    for (int[] m : v.merges()) {
      merges.add(ByteLevel.encode(v.tokens()[m[0]]) + " " + ByteLevel.encode(v.tokens()[m[1]]));
    }
    Path json = outDir.resolve("tokenizer.json");
    files.write(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));

    ObjectNode cfg = JSON.createObjectNode();
    cfg.put("bos_token", bot);
    cfg.put("eos_token", "<|end_of_text|>");
    cfg.put("chat_template", TokenizerTrainer.LLAMA3_CHAT_TEMPLATE);
    cfg.put("clean_up_tokenization_spaces", true);
    cfg.putArray("model_input_names").add("input_ids").add("attention_mask");
    cfg.put("model_max_length", 131072);
    cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
    files.write(outDir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));
    return json;
  }

  /** A ByteLevel pre-tokenizer or decoder (the released file has one of each, with other settings). */
  private static void byteLevel(ObjectNode n, boolean addPrefixSpace, boolean useRegex) {
    n.put("type", "ByteLevel");
    n.put("add_prefix_space", addPrefixSpace);
    n.put("trim_offsets", true);
    n.put("use_regex", useRegex);
  }
}
