package org.align4j.core.plugin;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.align4j.api.Align4jException;
import org.align4j.api.Provider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every provider on the class path (the bundled plugins) and in plugin directories. Each jar of a plugin
 * directory, or each sub-directory of jars, gets its own {@link PluginClassLoader}.
 */
public final class PluginRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);

  private final Map<Class<?>, Map<String, ProviderEntry>> byKind = new LinkedHashMap<>();
  private final List<String> loadErrors = new ArrayList<>();
  private final List<String> duplicateErrors = new ArrayList<>();
  private final List<PluginClassLoader> loaders = new ArrayList<>();

  private PluginRegistry() {}

  /** The class-path providers only. */
  public static PluginRegistry classpath() {
    return load(List.of());
  }

  /**
   * Loads class-path providers and those of every plugin in {@code pluginDirs}. A jar that fails to load
   * is reported in {@link #loadErrors()} and skipped; two providers of one kind with one id are an error.
   */
  public static PluginRegistry load(List<Path> pluginDirs) {
    var r = new PluginRegistry();
    ClassLoader app = PluginRegistry.class.getClassLoader();
    for (Class<? extends Provider> kind : ProviderKinds.all()) {
      r.collect(kind, app, null);
    }
    for (Path dir : pluginDirs) {
      r.loadDirectory(dir, app);
    }
    if (!r.duplicateErrors.isEmpty()) {
      throw new Align4jException(String.join("\n", r.duplicateErrors));
    }
    return r;
  }

  private void loadDirectory(Path dir, ClassLoader app) {
    if (!Files.isDirectory(dir)) {
      throw new Align4jException("plugin directory " + dir + " does not exist or is not a directory (--plugins)");
    }
    List<Path> entries;
    try (Stream<Path> s = Files.list(dir)) {
      entries = s.sorted().toList();
    } catch (IOException e) {
      throw new Align4jException("cannot list plugin directory " + dir + ": " + e.getMessage(), e);
    }
    for (Path e : entries) {
      List<Path> jars;
      if (Files.isDirectory(e)) {
        try (Stream<Path> s = Files.list(e)) {
          jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        } catch (IOException ex) {
          problem("plugin " + e + ": cannot list: " + ex.getMessage());
          continue;
        }
        if (jars.isEmpty()) {
          continue;
        }
      } else if (e.toString().endsWith(".jar")) {
        jars = List.of(e);
      } else {
        continue;
      }
      loadPlugin(e, jars, app);
    }
  }

  private void loadPlugin(Path plugin, List<Path> jars, ClassLoader app) {
    String bundled = bundledSharedPackage(jars);
    if ("".equals(bundled)) {
      problem("plugin " + plugin + " skipped: not a readable jar (zip) file; rebuild it or remove it from the plugin directory");
      return;
    }
    if (bundled != null) {
      problem("plugin " + plugin + " refused: it bundles " + bundled + ", which align4j shares with every"
          + " plugin; mark that dependency <scope>provided</scope> in the plugin's pom");
      return;
    }
    URL[] urls = new URL[jars.size()];
    try {
      for (int i = 0; i < urls.length; i++) {
        urls[i] = jars.get(i).toUri().toURL();
      }
    } catch (IOException e) {
      problem("plugin " + plugin + ": " + e.getMessage());
      return;
    }
    var loader = new PluginClassLoader("align4j-plugin:" + plugin.getFileName(), urls, app);
    String unresolved = unresolvedClass(jars, loader);
    if (unresolved != null) {
      problem("plugin " + plugin + " refused: " + unresolved + "; bundle the library that holds it (put the plugin's"
          + " jar and its libraries' jars in one sub-directory of the plugin directory)");
      closeQuietly(loader);
      return;
    }
    loaders.add(loader);
    for (Class<? extends Provider> kind : ProviderKinds.all()) {
      collect(kind, loader, plugin.toString());
    }
  }

  /** Why a class the plugin's providers reach cannot be loaded, or null when every one resolves. */
  private static String unresolvedClass(List<Path> jars, PluginClassLoader loader) {
    var providers = new LinkedHashSet<String>();
    try {
      for (Class<? extends Provider> kind : ProviderKinds.all()) {
        var en = loader.getResources("META-INF/services/" + kind.getName());
        while (en.hasMoreElements()) {
          try (var in = en.nextElement().openStream()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\\R")) {
              String name = line.replaceFirst("#.*", "").trim();
              if (!name.isEmpty()) {
                providers.add(name);
              }
            }
          }
        }
      }
      var missing = PluginLinkCheck.firstMissing(jars, providers, loader);
      return missing == null ? null : missing.describe();
    } catch (IOException e) {
      return "cannot read its classes: " + e.getMessage();
    }
  }

  private static void closeQuietly(PluginClassLoader loader) {
    try {
      loader.close();
    } catch (IOException e) {
      LOG.debug("closing the class loader of a refused plugin", e);
    }
  }

  /** The first shared package a plugin's jars contain, or null. Also validates the jars are readable. */
  private String bundledSharedPackage(List<Path> jars) {
    for (Path jar : jars) {
      try (JarFile jf = new JarFile(jar.toFile())) {
        var en = jf.entries();
        while (en.hasMoreElements()) {
          String n = en.nextElement().getName();
          if (n.endsWith(".class")) {
            String cn = n.substring(0, n.length() - 6).replace('/', '.');
            if (PluginClassLoader.isShared(cn)) {
              return cn.substring(0, cn.lastIndexOf('.')) + " (in " + jar.getFileName() + ")";
            }
          }
        }
      } catch (IOException e) {
        return "";  // unreadable: reported by the caller
      }
    }
    return null;
  }

  private void collect(Class<? extends Provider> kind, ClassLoader loader, String pluginSource) {
    var sl = ServiceLoader.load(kind, loader);
    var it = sl.stream().iterator();
    while (true) {
      ServiceLoader.Provider<? extends Provider> p;
      try {
        if (!it.hasNext()) {
          break;
        }
        p = it.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        report(kind, pluginSource, e);
        if (pluginSource != null) {
          break; // a broken jar: stop reading it, keep the others
        }
        continue;
      }
      Provider<?> instance;
      try {
        instance = p.get();
        instance.id();
        instance.optionsType();
      } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
        report(kind, pluginSource, e);
        continue;
      }
      String source = pluginSource != null ? pluginSource : codeSource(instance.getClass());
      add(new ProviderEntry(kind, instance, source));
    }
  }

  private void report(Class<?> kind, String pluginSource, Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String where = pluginSource != null ? "plugin " + pluginSource : "class path";
    String msg = where + ": cannot load a " + ProviderKinds.name(kind) + " provider: " + e.getMessage()
        + (root != e ? " (cause: " + root + ")" : "");
    problem(msg);
  }

  /** Records a plugin that failed to load and logs it: the one place a load problem is reported. */
  private void problem(String msg) {
    loadErrors.add(msg);
    LOG.warn(msg);
  }

  private static String codeSource(Class<?> c) {
    var cs = c.getProtectionDomain().getCodeSource();
    if (cs == null || cs.getLocation() == null) {
      return "class path";
    }
    String p = cs.getLocation().getPath();
    return "class path: " + (p.endsWith("/") ? p : Path.of(p).getFileName().toString());
  }

  private void add(ProviderEntry e) {
    var ids = byKind.computeIfAbsent(e.kind(), k -> new LinkedHashMap<>());
    ProviderEntry prev = ids.get(e.id());
    if (prev != null) {
      if (prev.provider().getClass() == e.provider().getClass() && prev.source().equals(e.source())) {
        return;
      }
      duplicateErrors.add("duplicate " + e.kindName() + " id '" + e.id() + "': provided by " + prev.source()
          + " (" + prev.provider().getClass().getName() + ") and by " + e.source() + " ("
          + e.provider().getClass().getName() + "); remove one of the jars or rename one id");
      return;
    }
    ids.put(e.id(), e);
  }

  /** Providers of a kind, sorted by id. */
  public List<ProviderEntry> entries(Class<?> kind) {
    var m = byKind.getOrDefault(kind, Map.of());
    var l = new ArrayList<>(m.values());
    l.sort(Comparator.comparing(ProviderEntry::id));
    return l;
  }

  public List<ProviderEntry> all() {
    var out = new ArrayList<ProviderEntry>();
    for (Class<?> k : byKind.keySet()) {
      out.addAll(entries(k));
    }
    return out;
  }

  public Optional<ProviderEntry> find(Class<?> kind, String id) {
    return Optional.ofNullable(byKind.getOrDefault(kind, Map.of()).get(id));
  }

  public List<String> ids(Class<?> kind) {
    return entries(kind).stream().map(ProviderEntry::id).toList();
  }

  /** Plugins that failed to load (each already logged once, as a warning); the rest still work. */
  public List<String> loadErrors() {
    return Collections.unmodifiableList(loadErrors);
  }

}
