package org.align4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.api.Align4jException;
import org.align4j.core.metrics.MetricsHub;
import org.align4j.core.recipe.Location;
import org.align4j.core.recipe.ResolvedStage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The atomic writes a stage gets from its context: all or nothing, and only in the stage's own places. */
class StageContextImplTest {
  @TempDir Path dir;
  Path work;
  Path tmp;
  StageContextImpl ctx;

  @BeforeEach
  void context() throws IOException {
    work = Files.createDirectories(dir.resolve("work"));
    tmp = Files.createDirectories(dir.resolve("tmp"));
    var stage = new ResolvedStage("ppo-1", "ppo", null, null, Map.of(), Map.of(), Map.of("report", dir.resolve("report")),
        Set.of(), Location.UNKNOWN);
    ctx = new StageContextImpl(stage, dir, work, tmp, RecipeDefaults.of(Map.of()), 1, new MetricsHub(), null);
  }

  @Test
  void writeAtomicallyReplacesTheFileWhole() throws Exception {
    Path state = Files.writeString(work.resolve("state.json"), "old");
    ctx.writeAtomically(state, out -> {
      out.write("new ".getBytes(StandardCharsets.UTF_8));
      out.write("state".getBytes(StandardCharsets.UTF_8));
      out.close(); // a JSON writer closes what it writes to
    });
    assertEquals("new state", Files.readString(state));
    assertEquals(List.of("state.json"), names(work));
  }

  @Test
  void aWriteThatFailsMidwayKeepsTheOldFileAndLeavesNoTemporaryFile() throws Exception {
    Path state = Files.writeString(work.resolve("state.json"), "old");
    var e = assertThrows(IOException.class, () -> ctx.writeAtomically(state, out -> {
      out.write(new byte[100_000]); // more than the buffer, so part of it reaches the temporary file
      throw new IOException("No space left on device");
    }));
    assertTrue(e.getMessage().startsWith("cannot write " + state + ": No space left on device"), e.getMessage());
    assertEquals("old", Files.readString(state));
    assertEquals(List.of("state.json"), names(work));
  }

  @Test
  void replaceAtomicallyPutsAFinishedDirectoryInPlaceOfTheOldOne() throws Exception {
    Path old = Files.createDirectories(work.resolve("checkpoints/best"));
    Files.writeString(old.resolve("config.json"), "old");
    Path fresh = Files.createDirectories(work.resolve("checkpoints/.tmp-best"));
    Files.writeString(fresh.resolve("config.json"), "new");
    ctx.replaceAtomically(fresh, old);
    assertEquals("new", Files.readString(old.resolve("config.json")));
    assertEquals(List.of("best"), names(work.resolve("checkpoints")));
  }

  @Test
  void aReplaceThatFailsKeepsTheOldOneAndTheNewOne() throws Exception {
    Path old = Files.writeString(tmp.resolve("report"), "old");
    Path missing = work.resolve("never-written");
    var e = assertThrows(IOException.class, () -> ctx.replaceAtomically(missing, old));
    assertTrue(e.getMessage().contains(old.toString()), e.getMessage());
    assertEquals("old", Files.readString(old));
    assertEquals(List.of("report"), names(tmp));
    assertEquals(List.of(), names(work));
  }

  @Test
  void aStageWritesOnlyInsideItsWorkDirectoryAndItsOutputs() throws Exception {
    Path elsewhere = dir.resolve("run.json");
    var e = assertThrows(Align4jException.class, () -> ctx.writeAtomically(elsewhere, out -> out.write(1)));
    assertTrue(e.getMessage().contains("stage 'ppo-1' (ppo) may write only inside its work directory"), e.getMessage());
    assertThrows(Align4jException.class, () -> ctx.replaceAtomically(work.resolve("x"), work.resolve("../run.json")));
    assertFalse(Files.exists(elsewhere));
    ctx.writeAtomically(tmp.resolve("report"), out -> out.write('x'));
    assertEquals("x", Files.readString(tmp.resolve("report")));
  }

  static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
