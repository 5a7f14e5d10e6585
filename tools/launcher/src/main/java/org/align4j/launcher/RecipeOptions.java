package org.align4j.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Options shared by {@code run} and {@code validate}. */
final class RecipeOptions {
  @Parameters(index = "0", paramLabel = "RECIPE", description = "the recipe YAML file")
  Path recipe;

  @Option(names = "--set", paramLabel = "PATH=VALUE",
      description = "override a recipe value, e.g. --set stages.sft.options.optimizer.lr=1e-5 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(names = "--plugins", paramLabel = "DIR",
      description = "a directory of plugin jars (one class loader per jar or per sub-directory); repeatable")
  List<Path> plugins = new ArrayList<>();
}
