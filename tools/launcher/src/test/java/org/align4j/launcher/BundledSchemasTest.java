package org.align4j.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled stages' declared dataset schemas, checked when a recipe is validated. */
class BundledSchemasTest {
  @TempDir Path dir;

  Path recipe(String data) throws Exception {
    return Files.writeString(dir.resolve("r.yaml"), """
        name: schemas
        run_dir: %s
        stages:
          - id: tasks
            uses: tasks
          - id: rm
            uses: reward-model
            inputs: {data: "${stages.tasks.outputs.%s}", model: %s}
        """.formatted(dir.resolve("run"), data, Files.createDirectories(dir.resolve("model"))));
  }

  @Test
  void aRewardModelFedConversationsInsteadOfPreferencesIsAnErrorBeforeAnyWork() throws Exception {
    var bad = CliResult.run("validate", recipe("sft").toString());
    assertEquals(2, bad.code(), bad.toString());
    assertTrue(bad.err().contains("r.yaml:8:20: input 'data' of stage 'rm' (reward-model) cannot read output 'sft' of stage"
        + " 'tasks' (tasks): no column 'prompt'"), bad.err());
    assertTrue(!Files.exists(dir.resolve("run")), "nothing ran");

    var good = CliResult.run("validate", recipe("preferences").toString());
    assertEquals(0, good.code(), good.toString());
  }
}
