package org.align4j.core.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin (one jar, or a directory of jars). Shared packages (the API, the toolkit
 * and the types they pass) come from the application, parent-first; everything else comes from the plugin's own
 * jars first, so two plugins can carry different versions of one library. Resources of the application
 * are not visible, so {@link java.util.ServiceLoader} finds only the plugin's own providers.
 */
final class PluginClassLoader extends URLClassLoader {
  /** Packages every plugin shares with the application and must never bundle. */
  static final List<String> SHARED_PACKAGES = List.of(
      "org.align4j.api.",
      // Shared rather than bundled: its helpers pass api and library types, and one copy keeps every
      // plugin computing masks and log-probs the same way as the bundled stages.
      "org.align4j.toolkit.",
      "org.bytedeco.",
      "org.apache.arrow.",
      "jakarta.inject.",
      "org.slf4j.",
      "org.apache.logging.log4j.");

  private final ClassLoader application;

  PluginClassLoader(String name, URL[] jars, ClassLoader application) {
    super(name, jars, ClassLoader.getPlatformClassLoader());
    this.application = application;
  }

  static boolean isShared(String className) {
    for (String p : SHARED_PACKAGES) {
      if (className.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    synchronized (getClassLoadingLock(name)) {
      if (isShared(name)) {
        return application.loadClass(name);
      }
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        try {
          c = findClass(name);
        } catch (ClassNotFoundException e) {
          c = getParent().loadClass(name); // the JDK's platform classes
        }
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  @Override
  public URL getResource(String name) {
    URL own = findResource(name);
    return own != null ? own : getParent().getResource(name);
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    Enumeration<URL> own = findResources(name);
    return own.hasMoreElements() ? own : Collections.emptyEnumeration();
  }
}
