package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import org.align4j.api.engine.Trainer;
import org.align4j.api.model.LanguageModel;
import org.align4j.core.engine.train.LocalTrainer;
import org.align4j.testkit.TinyModels;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15 item 10: a truncated newest checkpoint falls back to the previous good one, with a warning naming both. */
class TruncatedCheckpointTest {
  @Test
  void truncatedNewestFallsBackToPrevious(@TempDir Path tmp) throws Exception {
    LanguageModel a = EngineTestSupport.MODELS.create(TinyModels.gqa(), 3);
    Path dir = tmp.resolve("ck");
    // crashes in step 7, after the checkpoints at steps 4 and 6
    assertThrows(IllegalStateException.class, () -> new LocalTrainer().train(TrainerTest.job(a, dir, s -> {
      if (s.step() == 7) {
        throw new IllegalStateException("simulated crash");
      }
      return TinyModels.sftLoss(a, TrainerTest.DATA, s.indices());
    }, new ArrayList<>())));
    assertEquals("step-00000006", Files.readString(dir.resolve("latest")).trim());
    Path newest = dir.resolve("step-00000006/state.safetensors");
    try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 2);
    }
    var warnings = new ArrayList<String>();
    var app = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent e) {
        warnings.add(e.getLevel() + " " + e.getMessage().getFormattedMessage());
      }
    };
    app.start();
    var level = LogManager.getLogger(LocalTrainer.class).getLevel();
    org.apache.logging.log4j.core.config.Configurator.setLevel(LocalTrainer.class.getName(), org.apache.logging.log4j.Level.INFO);
    var ctx = (org.apache.logging.log4j.core.LoggerContext) LogManager.getContext(false);
    ctx.getConfiguration().getRootLogger().addAppender(app, null, null);
    ctx.updateLoggers();
    try {
      LanguageModel c = EngineTestSupport.MODELS.create(TinyModels.gqa(), 99);
      Trainer.TrainResult r = new LocalTrainer().train(TrainerTest.job(c, dir,
          s -> TinyModels.sftLoss(c, TrainerTest.DATA, s.indices()), new ArrayList<>()));
      assertEquals(4, r.resumedFrom());
      c.close();
    } finally {
      ctx.getConfiguration().getRootLogger().removeAppender("capture");
      org.apache.logging.log4j.core.config.Configurator.setLevel(LocalTrainer.class.getName(), level);
      ctx.updateLoggers();
      a.close();
    }
    assertTrue(warnings.stream().anyMatch(w -> w.startsWith("WARN") && w.contains("step-00000006") && w.contains("step-00000004")),
        warnings.toString());
  }
}
