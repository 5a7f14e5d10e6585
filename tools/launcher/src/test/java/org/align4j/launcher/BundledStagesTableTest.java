package org.align4j.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.TreeMap;
import org.align4j.api.stage.Stage;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.core.recipe.BundledStages;
import org.junit.jupiter.api.Test;

/** The table core names artifacts from for unknown stage ids is the bundled plugins' own stages. */
class BundledStagesTableTest {
  @Test
  void everyBundledStageIsInTheTableWithTheArtifactOfItsFamily() {
    var found = new TreeMap<String, String>();
    for (var e : PluginRegistry.classpath().entries(Stage.class)) {
      String cls = e.provider().getClass().getName();
      if (cls.startsWith("org.align4j.plugins.")) {
        // org.align4j.plugins.<family> lives in the module align4j-<family>
        found.put(e.id(), "align4j-" + cls.split("\\.")[3]);
      }
    }
    assertEquals(found, new TreeMap<>(BundledStages.table()));
  }
}
