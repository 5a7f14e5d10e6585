package org.align4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.align4j.api.model.LanguageModel;
import org.align4j.api.model.ModelConfig;
import org.align4j.core.Align4j;
import org.align4j.core.engine.LocalModels;
import org.align4j.core.engine.TorchDevice;
import org.align4j.core.pipeline.RunResult;
import org.bytedeco.pytorch.global.torch;

/**
 * An experiment, not a test (minutes of CPU): the task suite's annotated preference pairs (true rewards from
 * programs, Llama 2 rating levels from the noisy reward gap) train a reward model through the {@code reward-model}
 * stage, once with the ranking loss's small margin and once without; prints the held-out accuracy per rating
 * bucket of each. Run {@code tools/bench/reward-model-margin.sh} ({@code -Dalign4j.pairs}, {@code -Dalign4j.lr},
 * {@code -Dalign4j.epochs} change the sweep). Moved from plugins/rlhf's tests.
 */
public final class RewardModelMarginExperiment {
  private RewardModelMarginExperiment() {}

  /** {@code RewardModelMarginExperiment [TOKENIZER_DIR]}; the default is the rlhf tests' 2k-id tokenizer. */
  public static void main(String[] args) throws Exception {
    torch.set_num_threads(2);
    Path tokenizer = Path.of(args.length > 0 ? args[0] : "plugins/rlhf/src/test/resources/tokenizer");
    Path tmp = Files.createTempDirectory("rm-experiment");
    int pairs = Integer.getInteger("align4j.pairs", 3000);
    RunResult tasks = Align4j.create().stage("tasks").id("tasks")
        .options(Map.of("sft_examples", 0, "train_prompts", 0, "eval_prompts", 0, "gatt_dialogues", 0,
            "preference_pairs", pairs, "corpus_documents", 0))
        .output("preferences", "tasks/preferences")
        .defaults(Map.of("threads", 2, "seed", 11)).runIn(tmp.resolve("run"));
    require(tasks);
    ModelConfig cfg = ModelConfig.llama(2048, 64, 2, 4, 2).withIntermediateSize(160)
        .withSpecialTokens(1792, List.of(1801));
    Path base = tmp.resolve("base");
    LocalModels models = new LocalModels(TorchDevice.cpu(1));
    try (LanguageModel m = models.create(cfg, 1)) {
      models.save(m, base);
    }
    for (String loss : List.of("small", "none")) {
      RunResult rm = Align4j.create().stage("reward-model").id("rm-" + loss)
          .input("model", base).input("data", tmp.resolve("run/tasks/preferences"))
          .option("loss", Map.of("uses", "ranking", "margin", loss))
          .option("optimizer", Map.of("lr", Double.parseDouble(System.getProperty("align4j.lr", "1e-3"))))
          .option("epochs", Integer.getInteger("align4j.epochs", 2)).option("batch_size", 16)
          .option("eval_fraction", 0.2).option("max_len", 256)
          .defaults(Map.of("threads", 2, "seed", 5, "chat_format", "llama3", "tokenizer",
              tokenizer.toAbsolutePath().toString()))
          .runIn(tmp.resolve("run"));
      require(rm);
      System.out.println("margin " + loss + ": " + Files.readString(tmp.resolve("run/rm-" + loss + "/eval")));
    }
  }

  private static void require(RunResult r) {
    if (!r.ok()) {
      throw new IllegalStateException(r.stages().toString());
    }
  }
}
