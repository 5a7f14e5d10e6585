package org.align4j.toolkit.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;
  Path source;
  Path target;

  /** A new output directory in a "temporary area" and an old output at the target. */
  @BeforeEach
  void outputs() throws IOException {
    source = Files.createDirectories(dir.resolve("tmp-area/model"));
    Files.writeString(source.resolve("config.json"), "new config");
    Files.writeString(Files.createDirectories(source.resolve("sub")).resolve("weights"), "new weights");
    target = Files.createDirectories(dir.resolve("run/model"));
    Files.writeString(target.resolve("config.json"), "old config");
    Files.writeString(target.resolve("old-only"), "old");
  }

  /** Renames fail between directories, as they do between file systems; copies work. */
  static final AtomicFiles.FileOps CROSS_FS = new AtomicFiles.FileOps() {
    @Override
    public void rename(Path from, Path to) throws IOException {
      if (!from.toAbsolutePath().getParent().equals(to.toAbsolutePath().getParent())) {
        throw new AtomicMoveNotSupportedException(from.toString(), to.toString(), "Invalid cross-device link");
      }
      AtomicFiles.REAL.rename(from, to);
    }

    @Override
    public void copy(Path from, Path to) throws IOException {
      AtomicFiles.REAL.copy(from, to);
    }
  };

  @Test
  void replaceAcrossFileSystemsCopiesBesideTheTargetThenRenames() throws Exception {
    AtomicFiles.replace(source, target, CROSS_FS);
    assertEquals("new config", Files.readString(target.resolve("config.json")));
    assertEquals("new weights", Files.readString(target.resolve("sub/weights")));
    assertFalse(Files.exists(target.resolve("old-only")));
    assertFalse(Files.exists(source), "the copied source is removed once the new output is in place");
    assertEquals(List.of("model"), names(target.getParent()));
  }

  @Test
  void replaceKeepsTheOldOutputWhenTheNewOneCannotBeMovedIn() throws Exception {
    var failed = new java.util.concurrent.atomic.AtomicBoolean();
    var ops = new AtomicFiles.FileOps() {
      @Override
      public void rename(Path from, Path to) throws IOException {
        // the first rename into the target (the new output) fails; putting the old one back works
        if (to.equals(target) && !failed.getAndSet(true)) {
          throw new IOException("simulated: Input/output error");
        }
        AtomicFiles.REAL.rename(from, to);
      }

      @Override
      public void copy(Path from, Path to) throws IOException {
        AtomicFiles.REAL.copy(from, to);
      }
    };
    var e = assertThrows(IOException.class, () -> AtomicFiles.replace(source, target, ops));
    assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("simulated: Input/output error"), e.getMessage());
    assertEquals("old config", Files.readString(target.resolve("config.json")));
    assertEquals("old", Files.readString(target.resolve("old-only")));
    assertEquals(List.of("model"), names(target.getParent()), "nothing is left beside the target");
    assertEquals("new config", Files.readString(source.resolve("config.json")), "the new output is not lost either");
  }

  @Test
  void aCopyThatFailsKeepsTheOldOutputAndRemovesThePartialCopy() throws Exception {
    var copies = new AtomicInteger();
    var ops = new AtomicFiles.FileOps() {
      @Override
      public void rename(Path from, Path to) throws IOException {
        CROSS_FS.rename(from, to);
      }

      @Override
      public void copy(Path from, Path to) throws IOException {
        if (Files.isRegularFile(from) && copies.incrementAndGet() == 2) {
          throw new IOException("No space left on device");
        }
        AtomicFiles.REAL.copy(from, to);
      }
    };
    var e = assertThrows(IOException.class, () -> AtomicFiles.replace(source, target, ops));
    assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("No space left on device"), e.getMessage());
    assertEquals("old config", Files.readString(target.resolve("config.json")));
    assertEquals("old", Files.readString(target.resolve("old-only")));
    assertEquals(List.of("model"), names(target.getParent()));
    assertEquals("new weights", Files.readString(source.resolve("sub/weights")));
  }

  @Test
  void replaceOfAFileOverAFileAndIntoANewPlace() throws Exception {
    Path f = Files.writeString(dir.resolve("tmp-area/f.txt"), "new");
    Path t = Files.writeString(dir.resolve("run/f.txt"), "old");
    AtomicFiles.replace(f, t, CROSS_FS);
    assertEquals("new", Files.readString(t));
    assertFalse(Files.exists(f));
    Path g = Files.writeString(dir.resolve("tmp-area/g.txt"), "g");
    AtomicFiles.replace(g, dir.resolve("run/deeper/g.txt"));
    assertEquals("g", Files.readString(dir.resolve("run/deeper/g.txt")));
  }

  @Test
  void aWriteThatFailsNamesTheFileAndLeavesTheOldContentAndNoTemporaryFile() throws Exception {
    Path file = Files.writeString(dir.resolve("run/run.json"), "old");
    var e = assertThrows(IOException.class, () -> AtomicFiles.write(file, ch -> {
      ch.write(ByteBuffer.wrap("partial".getBytes()));
      throw new IOException("No space left on device");
    }));
    assertTrue(e.getMessage().startsWith("cannot write " + file + ": No space left on device"), e.getMessage());
    assertEquals("old", Files.readString(file));
    assertEquals(List.of("model", "run.json"), names(file.getParent()));
  }

  @Test
  void aFileWriterThatFailsLeavesTheOldContentAndNoTemporaryFile() throws Exception {
    Path file = Files.writeString(dir.resolve("run/data.parquet"), "old");
    var e = assertThrows(IOException.class, () -> AtomicFiles.writeFile(file, tmp -> {
      Files.writeString(tmp, "partial");
      throw new IOException("Input/output error");
    }));
    assertTrue(e.getMessage().startsWith("cannot write " + file + ": Input/output error"), e.getMessage());
    assertEquals("old", Files.readString(file));
    assertEquals(List.of("data.parquet", "model"), names(file.getParent()));
    long rows = AtomicFiles.writeFile(file, tmp -> {
      Files.writeString(tmp, "new");
      return 3L;
    });
    assertEquals(3L, rows);
    assertEquals("new", Files.readString(file));
    assertEquals(List.of("data.parquet", "model"), names(file.getParent()));
  }

  @Test
  void aStreamWriteThatFailsLeavesTheOldContentAndNoTemporaryFile() throws Exception {
    Path file = Files.writeString(dir.resolve("run/state.json"), "old");
    var e = assertThrows(IOException.class, () -> AtomicFiles.writeStream(file, out -> {
      out.write(new byte[200_000]);
      throw new IOException("No space left on device");
    }));
    assertTrue(e.getMessage().startsWith("cannot write " + file + ": No space left on device"), e.getMessage());
    assertEquals("old", Files.readString(file));
    assertEquals(List.of("model", "state.json"), names(file.getParent()));
  }

  @Test
  void aStringWriteThatCannotBeRenamedInLeavesWhatIsThereAndNoTemporaryFile() throws Exception {
    // a non-empty directory where the file should go: the rename over it fails after the content is written
    var e = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "new"));
    assertTrue(e.getMessage().startsWith("cannot write " + target + ": "), e.getMessage());
    assertEquals("old config", Files.readString(target.resolve("config.json")));
    assertEquals(List.of("model"), names(target.getParent()));
  }

  static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** A write of a file removes what a killed earlier write or replace of that file left beside it (issue 15). */
  @Test
  void aWriteRemovesWhatAKilledWriteOfTheSameFileLeft() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    Path file = dir.resolve("out/run.json");
    Files.createDirectories(file.getParent());
    Path tmp = Files.writeString(dir.resolve("out/.run.json." + p.pid() + "-42.tmp"), "{");
    Path old = Files.writeString(dir.resolve("out/.run.json.old-" + p.pid() + "-a1.tmp"), "old");
    Path other = Files.writeString(dir.resolve("out/.other.json." + p.pid() + "-42.tmp"), "{");
    AtomicFiles.writeString(file, "new");
    assertEquals("new", Files.readString(file));
    assertFalse(Files.exists(tmp) || Files.exists(old));
    assertTrue(Files.exists(other), "another target's leftovers are that target's");
  }
}
