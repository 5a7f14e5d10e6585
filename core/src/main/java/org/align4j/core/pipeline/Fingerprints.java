package org.align4j.core.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.align4j.core.recipe.ResolvedStage;

/**
 * A stage's fingerprint: its provider (id, class, version and a digest of the code it was loaded from),
 * options, the run defaults and, for each input, the fingerprint of the stage that produced it or the
 * content of the user's file. Equal fingerprints mean the stage would compute the same outputs, so a
 * finished stage is skipped; a rebuilt plugin with other code re-runs its stages.
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
    update(md, "align4j-fingerprint-v2");
    update(md, s.uses());
    update(md, s.stage().getClass().getName());
    update(md, "code:" + code(s.stage().getClass()));
    // paths inside the run directory are fingerprinted relative to it, so a copied or moved run resumes
    String rd = runDir.toString();
    update(md, canonical(s.optionsPlain()).replace(rd, "${run_dir}"));
    // defaults.zero decides where AdamW's moments live, not what is computed (a checkpoint written with it resumes
    // without it), so turning it on or off keeps a stage's fingerprint and its checkpoints
    var fingerprinted = new TreeMap<>(defaults);
    fingerprinted.remove("zero");
    update(md, canonical(fingerprinted).replace(rd, "${run_dir}"));
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

  /** Digest of each code source (jar or class directory), computed once per JVM; keyed with size and time. */
  private static final Map<String, String> CODE = new ConcurrentHashMap<>();

  /**
   * The provider's version (its jar manifest's {@code Implementation-Version}) and a digest of the code
   * source its class came from: for a jar, the names and contents of its entries (not their timestamps, so
   * a byte-identical rebuild matches); for a class directory, its {@code .class} files and {@code META-INF}.
   */
  static String code(Class<?> c) {
    String version = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
    var cs = c.getProtectionDomain().getCodeSource();
    Path where;
    try {
      where = cs == null || cs.getLocation() == null ? null : Path.of(cs.getLocation().toURI());
    } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      where = null;
    }
    if (where == null) {
      // no file to digest (e.g. generated at run time): the bytes of the class itself
      return version + ":class:" + classBytesHash(c);
    }
    String key;
    try {
      key = where + (Files.isRegularFile(where) ? "@" + Files.size(where) + "@" + Files.getLastModifiedTime(where).toMillis() : "");
    } catch (IOException e) {
      key = where.toString();
    }
    Path p = where;
    return version + ":" + CODE.computeIfAbsent(key, k -> Files.isDirectory(p) ? directoryHash(p) : jarHash(p));
  }

  /** Feeds what a hash covers into the digest. */
  private interface Feed {
    void into(MessageDigest md) throws IOException;
  }

  /** The hex SHA-256 of what {@code feed} puts in; a read failure is hashed as its message, never thrown. */
  private static String hash(Feed feed) {
    MessageDigest md = sha256();
    try {
      feed.into(md);
    } catch (IOException e) {
      update(md, "unreadable:" + e.getMessage());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static void update(MessageDigest md, InputStream in, byte[] buf) throws IOException {
    int n;
    while ((n = in.read(buf)) > 0) {
      md.update(buf, 0, n);
    }
  }

  private static String jarHash(Path jar) {
    return hash(md -> {
      try (JarFile jf = new JarFile(jar.toFile())) {
        List<JarEntry> entries = jf.stream().filter(e -> !e.isDirectory()).sorted(Comparator.comparing(JarEntry::getName)).toList();
        byte[] buf = new byte[1 << 16];
        for (JarEntry e : entries) {
          update(md, e.getName());
          try (InputStream in = jf.getInputStream(e)) {
            update(md, in, buf);
          }
        }
      }
    });
  }

  private static String directoryHash(Path dir) {
    return hash(md -> {
      try (Stream<Path> s = Files.walk(dir)) {
        List<Path> files = s.filter(Files::isRegularFile)
            .filter(f -> f.toString().endsWith(".class") || dir.relativize(f).startsWith("META-INF"))
            .sorted().toList();
        for (Path f : files) {
          update(md, dir.relativize(f).toString());
          md.update(Files.readAllBytes(f));
        }
      } catch (java.io.UncheckedIOException e) {
        update(md, "unreadable:" + e.getMessage());
      }
    });
  }

  private static String classBytesHash(Class<?> c) {
    return hash(md -> {
      try (InputStream in = c.getResourceAsStream(c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class")) {
        if (in != null) {
          md.update(in.readAllBytes());
        }
      }
    });
  }

  static String canonical(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      return String.valueOf(o);
    }
  }

  static String contentHash(Path p) {
    return hash(md -> {
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
          update(md, in, new byte[1 << 16]);
        }
      }
    });
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
