package org.align4j.core.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.align4j.core.recipe.ResolvedStage;

/**
 * A stage's fingerprint: its provider, options, the run defaults and, for each input, the fingerprint of
 * the stage that produced it or the content of the user's file. Equal fingerprints mean the stage would
 * compute the same outputs, so a finished stage is skipped.
 */
final class Fingerprints {
  private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  /** Files above this total are identified by size and modification time instead of content. */
  private static final long HASH_LIMIT = 256L << 20;

  private Fingerprints() {}

  static String of(ResolvedStage s, Path runDir, Map<String, Object> defaults, long seed, Map<String, String> upstream) {
    MessageDigest md = sha256();
    for (var e : new TreeMap<>(s.outputs()).entrySet()) {
      update(md, "output:" + e.getKey() + "=" + runDir.relativize(e.getValue()));
    }
    update(md, "align4j-fingerprint-v1");
    update(md, s.uses());
    update(md, s.stage().getClass().getName());
    // paths inside the run directory are fingerprinted relative to it, so a copied or moved run resumes
    String rd = runDir.toString();
    update(md, canonical(s.optionsPlain()).replace(rd, "${run_dir}"));
    update(md, canonical(new TreeMap<>(defaults)).replace(rd, "${run_dir}"));
    update(md, Long.toString(seed));
    for (var e : new TreeMap<>(s.inputs()).entrySet()) {
      update(md, "input:" + e.getKey());
      var in = e.getValue();
      if (in.fromStage() != null) {
        update(md, "stage:" + upstream.get(in.fromStage()) + ":" + in.fromOutput());
      } else {
        update(md, "file:" + contentHash(in.path()));
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static String canonical(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      return String.valueOf(o);
    }
  }

  static String contentHash(Path p) {
    MessageDigest md = sha256();
    try {
      List<Path> files;
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p)) {
          files = s.filter(Files::isRegularFile).sorted().toList();
        }
      } else {
        files = List.of(p);
      }
      long total = 0;
      for (Path f : files) {
        total += Files.size(f);
      }
      for (Path f : files) {
        update(md, p.relativize(f).toString());
        if (total > HASH_LIMIT) {
          update(md, Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis());
          continue;
        }
        try (InputStream in = Files.newInputStream(f)) {
          byte[] buf = new byte[1 << 16];
          int n;
          while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
          }
        }
      }
    } catch (IOException e) {
      update(md, "unreadable:" + e.getMessage());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static void update(MessageDigest md, String s) {
    md.update(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    md.update((byte) 0);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
