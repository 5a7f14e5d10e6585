package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.align4j.testkit.Repo;
import org.junit.jupiter.api.Test;

/** Every recipe we ship (and each experiment's recipe) validates against the bundled plugins (ids, options, references, order). */
class RecipesTest {
  @Test
  void everyShippedRecipeValidates() throws Exception {
    List<Path> recipes = new java.util.ArrayList<>();
    for (String dir : List.of("recipes", "tools/experiments")) {
      try (var s = Files.list(Repo.root().resolve(dir))) {
        recipes.addAll(s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList());
      }
    }
    assertTrue(recipes.size() >= 4, recipes.toString());
    for (Path r : recipes) {
      var cli = Cli.run("validate", r.toString());
      assertEquals(0, cli.exit(), r + ":\n" + cli);
    }
  }

  @Test
  void rlhfRoundsChainTheirPolicyAndKeepEarlierSamples() {
    var cli = Cli.run("validate", Repo.root().resolve("recipes/llama2-chat.yaml").toString());
    assertEquals(0, cli.exit(), cli.toString());
    // round 2 samples from round 1's model and keeps round 1's best samples
    assertTrue(cli.out().matches("(?s).*rs-v2 \\(rejection-sampling\\) after [^\\n]*rlhf-v1.*"), cli.out());
    assertTrue(cli.out().matches("(?s).*rs-v2 \\(rejection-sampling\\) after [^\\n]*rs-v1.*"), cli.out());
    assertTrue(cli.out().matches("(?s).*rs-v1 \\(rejection-sampling\\) after (?![^\\n]*rlhf)[^\\n]*\\n.*"), cli.out());
  }
}
