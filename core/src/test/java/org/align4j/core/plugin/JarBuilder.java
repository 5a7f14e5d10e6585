package org.align4j.core.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;

/** Compiles Java sources against the test class path and packs them into a jar (plugin jars for tests). */
public final class JarBuilder {
  private JarBuilder() {}

  public static Path build(Path jar, Map<String, String> sources, Map<String, String> resources) throws IOException {
    return build(jar, sources, resources, java.util.Set.of());
  }

  /** As {@link #build(Path, Map, Map)}, leaving the compiled classes named in {@code leftOut} out of the jar. */
  public static Path build(Path jar, Map<String, String> sources, Map<String, String> resources,
      java.util.Set<String> leftOut) throws IOException {
    Path work = Files.createTempDirectory("jarbuilder");
    Path src = Files.createDirectories(work.resolve("src"));
    Path classes = Files.createDirectories(work.resolve("classes"));
    var files = new ArrayList<String>();
    for (var e : sources.entrySet()) {
      Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
      Files.createDirectories(f.getParent());
      Files.writeString(f, e.getValue());
      files.add(f.toString());
    }
    if (!files.isEmpty()) {
      var args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path"), "-proc:none"));
      args.addAll(files);
      int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new));
      if (rc != 0) {
        throw new IOException("compilation failed for " + jar);
      }
    }
    try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os)) {
      try (Stream<Path> s = Files.walk(classes)) {
        for (Path p : s.filter(Files::isRegularFile).toList()) {
          String entry = classes.relativize(p).toString().replace('\\', '/');
          if (leftOut.contains(entry.substring(0, entry.length() - ".class".length()).replace('/', '.'))) {
            continue;
          }
          out.putNextEntry(new JarEntry(entry));
          out.write(Files.readAllBytes(p));
          out.closeEntry();
        }
      }
      for (var e : resources.entrySet()) {
        out.putNextEntry(new JarEntry(e.getKey()));
        out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return jar;
  }
}
