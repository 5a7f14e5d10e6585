package com.example.align4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.loss.RankingBatch;
import org.align4j.api.loss.RewardModelLossProvider;
import org.align4j.api.metrics.Progress;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;

/**
 * An example stage from a third-party jar: counts the words of a text file line by line, checkpointing
 * its position in the work directory so a killed run resumes mid-file; then evaluates its configured
 * reward-model loss on fixed scores to show a stage composing another plugin's provider.
 */
public final class CountWordsStage implements Stage<CountWordsStage.Options> {
  public record Options(
      @Doc("pause per line (to make the stage slow in tests)") @Default("0") int delayMs,
      @Doc("a reward-model loss to evaluate on scores (2, 1) and (0, 1)") @ComponentKind(RewardModelLossProvider.class)
          ComponentRef loss) {}

  @jakarta.inject.Inject Components components;

  @Override
  public String id() {
    return "count-words";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public String description() {
    return "counts words per line, resumable (example third-party plugin)";
  }

  @Override
  public List<Port> inputs() {
    return List.of(Port.required("text", "a UTF-8 text file"));
  }

  @Override
  public List<Port> outputs() {
    return List.of(Port.required("counts", "properties file: lines, words, loss"));
  }

  @Override
  public void run(StageContext ctx, Options o) throws Exception {
    List<String> lines = Files.readAllLines(ctx.input("text"), StandardCharsets.UTF_8);
    Path ckpt = ctx.workDir().resolve("position.properties");
    var state = new Properties();
    if (Files.exists(ckpt)) {
      try (var in = Files.newBufferedReader(ckpt)) {
        state.load(in);
      }
    }
    int line = Integer.parseInt(state.getProperty("line", "0"));
    long words = Long.parseLong(state.getProperty("words", "0"));
    int resumedAt = line;
    try (Progress p = ctx.progress("count", lines.size(), "lines")) {
      p.advance(line);
      for (; line < lines.size(); line++) {
        String l = lines.get(line).trim();
        words += l.isEmpty() ? 0 : l.split("\\s+").length;
        if (o.delayMs() > 0) {
          Thread.sleep(o.delayMs());
        }
        state.setProperty("line", Integer.toString(line + 1));
        state.setProperty("words", Long.toString(words));
        save(ctx, state, ckpt);
        p.advance(1);
        ctx.metrics().scalar("words", words, line + 1);
      }
    }
    var out = new Properties();
    out.setProperty("lines", Integer.toString(lines.size()));
    out.setProperty("words", Long.toString(words));
    out.setProperty("resumed_at", Integer.toString(resumedAt));
    if (o.loss() != null) {
      var bound = components.resolve(RewardModelLossProvider.class, o.loss());
      @SuppressWarnings({"unchecked", "rawtypes"})
      var loss = ((RewardModelLossProvider) bound.provider()).create(bound.options());
      try (PointerScope scope = new PointerScope()) {
        var chosen = torch.tensor(new float[] {2f, 0f});
        var rejected = torch.tensor(new float[] {1f, 1f});
        var r = loss.compute(RankingBatch.pairs(chosen, rejected, null));
        out.setProperty("loss", Double.toString(Tensors.item(r.loss()))); // the toolkit, shared by the launcher
      }
    }
    try (var w = Files.newBufferedWriter(ctx.output("counts"))) {
      out.store(w, null);
    }
  }

  /** The resume position, written atomically so that a kill mid-write leaves the previous one. */
  private static void save(StageContext ctx, Properties p, Path file) throws IOException {
    ctx.writeAtomically(file, out -> p.store(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), null));
  }
}
