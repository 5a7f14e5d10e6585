package org.align4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plugin jar that is not on the launcher's class path, used through --plugins. */
class ThirdPartyPluginTest {
  @TempDir Path dir;

  Path recipe(String lossBlock) throws Exception {
    Files.writeString(dir.resolve("words.txt"), "one two three\nfour five\n\nsix\n");
    return Files.writeString(dir.resolve("r.yaml"), """
        name: words
        run_dir: %s
        stages:
          - id: count
            uses: count-words
            inputs: {text: %s}
            options:
              loss: %s
        """.formatted(dir.resolve("run"), dir.resolve("words.txt"), lossBlock));
  }

  @Test
  void aRecipeUsesTheThirdPartyStageAndLoss() throws Exception {
    Path r = recipe("{uses: hinge, margin: 2.0}");
    var cli = Cli.run("run", r.toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(0, cli.exit(), cli.toString());
    var p = new Properties();
    p.load(new StringReader(Files.readString(dir.resolve("run/count/counts"))));
    assertEquals("6", p.getProperty("words"));
    // hinge with margin 2 on gaps (2-1, 0-1) = mean(max(0, 2-1), max(0, 2+1)) = (1 + 3) / 2
    assertEquals(2.0, Double.parseDouble(p.getProperty("loss")), 1e-6);
    assertTrue(Files.readString(dir.resolve("run/metrics.csv")).contains("count,words,4,6.0,"));

    // the bundled loss works in the same slot: ranking without margin = mean(-log sigmoid(gap))
    var cli2 = Cli.run("run", recipe("{uses: ranking, margin: none}").toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(0, cli2.exit(), cli2.toString());
    p.load(new StringReader(Files.readString(dir.resolve("run/count/counts"))));
    double expected = (Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(1))) / 2;
    assertEquals(expected, Double.parseDouble(p.getProperty("loss")), 1e-6);
  }

  @Test
  void withoutThePluginTheStageIsUnknownAndBadOptionsAreLocated() throws Exception {
    Path r = recipe("{uses: hinge, margin: 2.0}");
    var cli = Cli.run("validate", r.toString());
    assertEquals(2, cli.exit(), cli.toString());
    assertTrue(cli.err().contains("r.yaml:5:11: unknown stage 'count-words'"), cli.err());

    var bad = Cli.run("validate", recipe("{uses: hinge, margin: -1}").toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(2, bad.exit(), bad.toString());
    assertTrue(bad.err().contains("r.yaml:8:13: loss/reward-model 'hinge'"), bad.err());
    assertTrue(bad.err().contains("margin must be >= 0, got -1.0"), bad.err());

    var typo = Cli.run("validate", recipe("{uses: hinj}").toString(), "--plugins", Cli.examplePlugins().toString());
    assertEquals(2, typo.exit(), typo.toString());
    assertTrue(typo.err().contains("unknown loss/reward-model 'hinj'; did you mean 'hinge'?"), typo.err());
  }

  @Test
  void pluginsCommandListsProvidersWithTheirSourceJar() {
    var cli = Cli.run("plugins", "--plugins", Cli.examplePlugins().toString());
    assertEquals(0, cli.exit(), cli.toString());
    assertTrue(cli.out().matches("(?s).*count-words .*align4j-example-plugin\\.jar\\].*"), cli.out());
    assertTrue(cli.out().matches("(?s).*hinge .*align4j-example-plugin\\.jar\\].*"), cli.out());
    assertTrue(cli.out().contains("margin"), cli.out());
    assertFalse(cli.err().contains("warning"), cli.err());
  }
}
