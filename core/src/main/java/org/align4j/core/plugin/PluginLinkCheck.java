package org.align4j.core.plugin;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * Checks, when a plugin is loaded, that every class its providers can reach resolves: the JVM links a
 * method's references only when the method first runs, so without this a plugin that compiled against a class
 * missing at run time (a library it forgot to bundle) would fail in the middle of a run, after the stages
 * before it. Starting from the provider classes, it follows the classes each class file names in its constant
 * pool through the plugin's own jars; a name found in none of them must load through the plugin's class loader
 * (the shared packages, the JDK). Libraries' classes the providers never reach are not checked, so an optional
 * dependency of a bundled library that the plugin does not use is not an error.
 */
final class PluginLinkCheck {
  private PluginLinkCheck() {}

  /** A class that does not resolve: who refers to it, in which jar. */
  record Missing(String className, String referrer, Path jar) {
    String describe() {
      return "class " + referrer + " (in " + jar.getFileName() + ") refers to " + className
          + ", which neither the plugin's jars nor align4j provide";
    }
  }

  /** The first unresolvable class reachable from {@code providerClasses}, or null when all resolve. */
  static Missing firstMissing(List<Path> jars, Set<String> providerClasses, ClassLoader loader) throws IOException {
    Map<String, Path> own = new HashMap<>();   // internal name -> jar, first jar wins as in the class loader
    for (Path jar : jars) {
      try (JarFile jf = new JarFile(jar.toFile())) {
        var en = jf.entries();
        while (en.hasMoreElements()) {
          String n = en.nextElement().getName();
          if (n.endsWith(".class") && !n.startsWith("META-INF/")) {
            own.putIfAbsent(n.substring(0, n.length() - 6), jar);
          }
        }
      }
    }
    var seen = new HashSet<String>();
    var queue = new ArrayDeque<String>();
    for (String p : providerClasses) {
      String internal = p.replace('.', '/');
      if (seen.add(internal)) {
        queue.add(internal);
      }
    }
    Map<Path, JarFile> open = new HashMap<>();
    try {
      while (!queue.isEmpty()) {
        String cls = queue.poll();
        Path jar = own.get(cls);
        if (jar == null) {
          continue; // a provider the service file names but no jar holds: ServiceLoader reports it
        }
        JarFile jf = open.get(jar);
        if (jf == null) {
          jf = new JarFile(jar.toFile());
          open.put(jar, jf);
        }
        byte[] bytes;
        try (InputStream in = jf.getInputStream(jf.getEntry(cls + ".class"))) {
          bytes = in.readAllBytes();
        }
        for (String ref : referencedClasses(bytes)) {
          if (!seen.add(ref)) {
            continue;
          }
          if (own.containsKey(ref)) {
            queue.add(ref);
          } else if (!loads(ref, loader)) {
            return new Missing(ref.replace('/', '.'), cls.replace('/', '.'), jar);
          }
        }
      }
    } finally {
      for (JarFile jf : open.values()) {
        jf.close();
      }
    }
    return null;
  }

  private static boolean loads(String internalName, ClassLoader loader) {
    try {
      Class.forName(internalName.replace('/', '.'), false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** The internal names of the classes a class file's constant pool names (array types by their element type). */
  static Set<String> referencedClasses(byte[] classFile) throws IOException {
    var in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    int[] classNameIndex = new int[count];
    int classes = 0;
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 7 -> classNameIndex[classes++] = in.readUnsignedShort();
        case 8, 16, 19, 20 -> in.skipBytes(2);
        case 15 -> in.skipBytes(3);
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
        case 5, 6 -> {
          in.skipBytes(8);
          i++; // a long or double takes two entries
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    var out = new LinkedHashSet<String>();
    for (int k = 0; k < classes; k++) {
      String name = utf8[classNameIndex[k]];
      if (name == null) {
        continue;
      }
      if (name.startsWith("[")) {
        int dims = name.lastIndexOf('[') + 1;
        if (name.charAt(dims) != 'L') {
          continue; // an array of primitives
        }
        name = name.substring(dims + 1, name.length() - 1);
      }
      out.add(name);
    }
    return out;
  }
}
