package org.align4j.plugins.rlhf;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.align4j.api.Align4jException;
import org.align4j.api.stage.StageContext;
import org.align4j.api.text.Tokenizers;

/** Writing JSON, hashing model files, the split seed (tokenizers and chat formats: {@link org.align4j.toolkit.stage.ChatInputs}). */
final class StageFiles {
  /** Written beside a trained reward model: how it rendered its inputs, so a {@code reward-model} reward scores alike. */
  static final String REWARD_META = "align4j_reward_model.json";

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private StageFiles() {}

  static boolean hasTokenizer(Path dir) {
    return Tokenizers.hasTokenizer(dir);
  }

  /**
   * Seed of the train/held-out split: the recipe's seed, not the stage's, so stages that train on one dataset (a
   * margin-small and a margin-large reward model, DPO runs with other betas) hold out the same rows.
   */
  static long splitSeed(StageContext ctx) {
    return ctx.defaults().seed();
  }

  /** Writes {@code value} as pretty JSON to {@code file}, a file of the stage's, atomically (see {@link StageContext#writeAtomically}). */
  static void writeJson(StageContext ctx, Path file, Object value) throws IOException {
    ctx.writeAtomically(file, out -> JSON.writeValue(out, value));
  }

  static Map<String, Object> readJson(Path file) {
    try {
      return JSON.readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new Align4jException(file + ": not valid JSON: " + e.getMessage(), e);
    }
  }

  /** SHA-256 over the contents of the model files of a checkpoint directory (config, safetensors, index). */
  static void hashModel(MessageDigest md, Path dir) {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> {
        String n = p.getFileName().toString();
        return n.equals("config.json") || n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json");
      }).sorted().forEach(files::add);
    } catch (IOException e) {
      throw new Align4jException(dir + ": cannot list the model directory: " + e.getMessage(), e);
    }
    byte[] buf = new byte[1 << 16];
    for (Path f : files) {
      md.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      try (InputStream in = Files.newInputStream(f)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
        }
      } catch (IOException e) {
        throw new Align4jException(f + ": cannot read: " + e.getMessage(), e);
      }
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }
}
