package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.align4j.core.Align4j;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.core.pipeline.RunResult;
import org.align4j.core.pipeline.StageOutcome;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The preference stages in one recipe with the task suite and the SFT stage: outputs feed the next stages. */
class PipelineRecipeTest {
  @Test
  void preferenceRoundRunsAndResumes(@TempDir Path tmp) throws Exception {
    torch.set_num_threads(1);
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 2);
    Path recipe = Path.of(PipelineRecipeTest.class.getResource("/recipes/preference-pipeline.yaml").toURI());
    var run = Align4j.create().recipe(recipe).set("run_dir=" + tmp.resolve("run")).set("vars.base=" + base)
        .set("vars.tokenizer=" + Fixtures.tokenizerDir());
    RunResult r = run.run();
    assertTrue(r.ok(), r.stages().toString());
    assertEquals(7, r.count(StageOutcome.Status.RAN), r.stages().toString());
    try (var store = new ArrowDatasetStore()) {
      long prompts = store.count(tmp.resolve("run/data/prompts.arrow"));
      assertEquals(prompts, store.count(tmp.resolve("run/rs-1/data")), "one kept sample per prompt");
      assertEquals(prompts, store.count(tmp.resolve("run/rs-2/data")), "round 2 merged with round 1 per prompt");
      assertEquals(3 * prompts, store.count(tmp.resolve("run/rs-1/samples")));
    }
    Map<String, Object> rs2 = StageFiles.readJson(tmp.resolve("run/rs-2/report"));
    assertEquals(((Number) rs2.get("rows")).longValue(),
        ((Number) rs2.get("kept_new")).longValue() + ((Number) rs2.get("kept_from_previous")).longValue(), rs2.toString());
    assertTrue(Files.isRegularFile(tmp.resolve("run/average/model/merge.json")));
    RunResult again = run.run();
    assertTrue(again.ok(), again.stages().toString());
    assertEquals(7, again.count(StageOutcome.Status.SKIPPED), "finished stages are not run again: " + again.stages());
  }
}
