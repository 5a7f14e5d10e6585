package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.core.Align4j;
import org.align4j.core.data.ArrowDatasetStore;
import org.align4j.core.pipeline.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SFT as Llama 3 runs it after rejection sampling: the sampled answers mixed with task data ({@code mix}). */
class SftMixTest {
  static Path conversations(Path file, String topic, int n) throws Exception {
    var rows = new ArrayList<Map<String, Object>>();
    for (int i = 0; i < n; i++) {
      rows.add(Map.of(Schemas.MESSAGES, List.of(Message.user("Tell me about " + topic + " " + i + "."),
          Message.assistant("Here is fact " + i + " about " + topic + "."))));
    }
    try (ArrowDatasetStore store = new ArrowDatasetStore()) {
      store.write(file, Schemas.MESSAGES_ONLY, rows.iterator());
    }
    return file;
  }

  static long documents(Path tmp, Path base, Path data, Path mix, double ratio, String dir) throws Exception {
    var stage = Align4j.create().stage("sft").id("sft").input("model", base).input("data", data);
    if (mix != null) {
      stage = stage.input("mix", mix).option("mix_ratio", ratio);
    }
    RunResult r = stage.option("steps", 2).option("seq_len", 64).option("batch_size", 2).option("checkpoint_every", 0)
        .defaults(RewardModelStageTest.defaults()).runIn(tmp.resolve(dir));
    assertTrue(r.ok(), r.stages().toString());
    Map<String, Object> summary = StageFiles.readJson(tmp.resolve(dir).resolve("sft/model/training_summary.json"));
    return ((Number) summary.get("documents")).longValue();
  }

  @Test
  void mixAddsTheRatioOfItsConversationsCappedByWhatItHolds(@TempDir Path tmp) throws Exception {
    Path base = Fixtures.tinyModel(tmp.resolve("base"), 4);
    Path data = conversations(tmp.resolve("rs.arrow"), "cats", 3);
    Path mix = conversations(tmp.resolve("tasks.arrow"), "dogs", 10);
    assertEquals(3, documents(tmp, base, data, null, 0, "alone"));
    assertEquals(3 + 6, documents(tmp, base, data, mix, 2.0, "twice"));
    assertEquals(3 + 10, documents(tmp, base, data, mix, 100.0, "capped"));
    assertEquals(3, documents(tmp, base, data, mix, 0.0, "none"));
  }
}
