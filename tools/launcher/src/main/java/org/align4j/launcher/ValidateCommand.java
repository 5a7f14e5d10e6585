package org.align4j.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true,
    description = "Check a recipe without running it: every problem is reported with file:line:column.")
final class ValidateCommand implements Callable<Integer> {
  @Mixin RecipeOptions recipe = new RecipeOptions();
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    var registry = Cli.registry(recipe.plugins);
    var r = Cli.load(recipe, registry, err, "align4j validate");
    if (r == null) {
      return Main.USAGE;
    }
    out.println(recipe.recipe + ": ok (" + r.stages().size() + " stages, run_dir " + r.runDir() + ")");
    for (var s : r.stages()) {
      out.println("  " + s.id() + " (" + s.uses() + ")" + (s.dependsOn().isEmpty() ? "" : " after " + String.join(", ", s.dependsOn())));
    }
    return Main.OK;
  }
}
