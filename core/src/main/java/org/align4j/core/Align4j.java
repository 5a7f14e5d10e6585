package org.align4j.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.align4j.core.pipeline.PipelineRunner;
import org.align4j.core.pipeline.RunResult;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.Location;
import org.align4j.core.recipe.OptionsBinder;
import org.align4j.core.recipe.RecipeLoader;
import org.align4j.core.recipe.ResolvedRecipe;
import org.align4j.toolkit.data.Rows;

/**
 * The embedding API: run a recipe, or one stage, from Java.
 *
 * <pre>{@code
 * Align4j a4j = Align4j.create();                        // bundled plugins on the class path
 * RunResult r = a4j.recipe(Path.of("recipes/quickstart.yaml")).set("run_dir=/tmp/qs").run();
 *
 * RunResult one = a4j.stage("sft")
 *     .input("model", base).input("data", conversations)
 *     .option("optimizer", Map.of("lr", 2e-5)).option("epochs", 2)
 *     .defaults(Map.of("chat_format", "llama3", "tokenizer", tok))
 *     .runIn(Path.of("/tmp/sft-run"));                  // outputs: /tmp/sft-run/sft/<output>
 * }</pre>
 *
 * The JVM needs {@code --add-opens=java.base/java.nio=ALL-UNNAMED} (Apache Arrow); {@link #create()} checks it.
 */
public final class Align4j {
  private final PluginRegistry registry;
  private final Path workingDir;

  private Align4j(PluginRegistry registry, Path workingDir) {
    this.registry = registry;
    this.workingDir = workingDir;
  }

  /**
   * Bundled plugins (class path) only.
   *
   * @throws org.align4j.api.Align4jException when the JVM lacks {@code --add-opens=java.base/java.nio=ALL-UNNAMED}
   *     (checked here, up front, rather than failing the first stage that opens a dataset)
   */
  public static Align4j create() {
    Rows.requireArrowAccess();
    return new Align4j(PluginRegistry.classpath(), Path.of("").toAbsolutePath());
  }

  /** Bundled plugins plus the plugin jars in {@code pluginDirs}. */
  public static Align4j withPlugins(List<Path> pluginDirs) {
    Rows.requireArrowAccess();
    return new Align4j(PluginRegistry.load(pluginDirs), Path.of("").toAbsolutePath());
  }

  /** Resolves relative recipe paths against {@code dir} instead of the process working directory. */
  public Align4j workingDir(Path dir) {
    return new Align4j(registry, dir.toAbsolutePath());
  }

  public PluginRegistry registry() {
    return registry;
  }

  public RecipeRun recipe(Path file) {
    return new RecipeRun(file);
  }

  public StageRun stage(String uses) {
    return new StageRun(uses);
  }

  /** A recipe file with overrides. */
  public final class RecipeRun {
    private final Path file;
    private final List<String> sets = new ArrayList<>();

    RecipeRun(Path file) {
      this.file = file;
    }

    /** An override, as on the command line: {@code "stages.sft.options.optimizer.lr=1e-5"}. */
    public RecipeRun set(String assignment) {
      sets.add(assignment);
      return this;
    }

    /** Validates the recipe; throws {@link org.align4j.core.recipe.RecipeException} listing every problem. */
    public ResolvedRecipe validate() {
      return new RecipeLoader(registry, workingDir).load(workingDir.resolve(file), sets);
    }

    public RunResult run() {
      return new PipelineRunner(registry).run(validate());
    }
  }

  /** One stage as a library call; validated and run exactly like a recipe stage. */
  public final class StageRun {
    private final String uses;
    private String id;
    private final Map<String, Object> inputs = new LinkedHashMap<>();
    private final Map<String, Object> outputs = new LinkedHashMap<>();
    private final Map<String, Object> options = new LinkedHashMap<>();
    private final Map<String, Object> defaults = new LinkedHashMap<>();

    StageRun(String uses) {
      this.uses = uses;
      this.id = uses;
    }

    public StageRun id(String stageId) {
      this.id = stageId;
      return this;
    }

    public StageRun input(String name, Path path) {
      inputs.put(name, path.toAbsolutePath().toString());
      return this;
    }

    /** Where an output goes, relative to the run directory (default {@code <id>/<name>}). */
    public StageRun output(String name, String relativePath) {
      outputs.put(name, relativePath);
      return this;
    }

    public StageRun option(String key, Object value) {
      options.put(key, value);
      return this;
    }

    public StageRun options(Map<String, ?> values) {
      options.putAll(values);
      return this;
    }

    public StageRun defaults(Map<String, ?> values) {
      values.forEach((k, v) -> defaults.put(k, v instanceof Path p ? p.toAbsolutePath().toString() : v));
      return this;
    }

    public ResolvedRecipe validate(Path runDir) {
      var stage = new LinkedHashMap<String, Object>();
      stage.put("id", id);
      stage.put("uses", uses);
      stage.put("inputs", inputs);
      stage.put("outputs", outputs);
      stage.put("options", options);
      var recipe = new LinkedHashMap<String, Object>();
      recipe.put("name", id);
      recipe.put("run_dir", runDir.toAbsolutePath().toString());
      recipe.put("defaults", defaults);
      recipe.put("stages", List.of(stage));
      return new RecipeLoader(registry, workingDir)
          .load(OptionsBinder.fromPlain(recipe, new Location("stage '" + id + "' (Java)", 0, 0)), "java:" + id, List.of());
    }

    public RunResult runIn(Path runDir) {
      return new PipelineRunner(registry).run(validate(runDir));
    }
  }
}
