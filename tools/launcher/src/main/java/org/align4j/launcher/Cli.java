package org.align4j.launcher;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.align4j.api.Align4jException;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.RecipeException;
import org.align4j.core.recipe.RecipeLoader;
import org.align4j.core.recipe.ResolvedRecipe;

/** Helpers shared by the commands. */
final class Cli {
  private Cli() {}

  /**
   * The registry: bundled plugins, {@code plugins/} beside the launcher, and {@code --plugins} dirs. A plugin
   * that fails to load is logged by the registry as a warning on stderr; nothing else prints it.
   */
  static PluginRegistry registry(List<Path> pluginDirs) {
    var dirs = new ArrayList<Path>();
    Path home = launcherHome();
    if (home != null && Files.isDirectory(home.resolve("plugins"))) {
      dirs.add(home.resolve("plugins"));
    }
    for (Path d : pluginDirs) {
      if (!Files.isDirectory(d)) {
        throw new IllegalArgumentException("--plugins " + d + ": " + (Files.exists(d) ? "not a directory" : "no such directory")
            + " (give a directory of plugin jars)");
      }
      dirs.add(d);
    }
    // plugins that fail to load are logged (once) by the registry
    return PluginRegistry.load(dirs);
  }

  /** The directory holding the launcher jar's parent ({@code tools/launcher} in a checkout), or null. */
  static Path launcherHome() {
    try {
      var cs = Cli.class.getProtectionDomain().getCodeSource();
      Path p = Path.of(cs.getLocation().toURI());
      return Files.isRegularFile(p) ? p.getParent().getParent() : null;
    } catch (Exception e) {
      return null;
    }
  }

  static ResolvedRecipe load(RecipeOptions o, PluginRegistry registry, PrintWriter err, String command) {
    try {
      return new RecipeLoader(registry).load(o.recipe, o.sets);
    } catch (RecipeException e) {
      // one problem: one line, at its file:line:column; several: a header line, then one line each
      var ps = e.problems();
      err.println(command + ": " + (ps.size() == 1 && ps.get(0).location().line() > 0 ? ps.get(0) : o.recipe + ": " + e.getMessage()));
      return null;
    } catch (Align4jException e) {
      err.println(command + ": " + Errors.message(e));
      return null;
    }
  }
}
