package org.align4j.toolkit.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.align4j.api.stage.StageContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place align4j writes and replaces files. Whatever exists at a target stays there, whole, until
 * its replacement is complete beside it (a temporary sibling, renamed over it); a failure removes the
 * temporary files and names the target and the reason ("cannot write run.json: No space left on device").
 */
public final class AtomicFiles {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);

  private AtomicFiles() {}

  @FunctionalInterface
  public interface Writer {
    void write(FileChannel ch) throws IOException;
  }

  /** The two file-system operations {@link #replace} is built on; a seam so tests can make them fail. */
  interface FileOps {
    /** An atomic rename; {@link AtomicMoveNotSupportedException} when the two paths are on different file systems. */
    void rename(Path from, Path to) throws IOException;

    /** Copies one file (a symbolic link as a link). */
    void copy(Path from, Path to) throws IOException;
  }

  static final FileOps REAL = new FileOps() {
    @Override
    public void rename(Path from, Path to) throws IOException {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void copy(Path from, Path to) throws IOException {
      Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    }
  };

  /** Writes {@code target} through a synced temporary sibling renamed over it. */
  public static void write(Path target, Writer writer) throws IOException {
    writeFile(target, tmp -> {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writer.write(ch);
      }
      return null;
    });
  }

  /** Writes a whole file at the path it is given; for writers that need a path rather than a channel. */
  @FunctionalInterface
  public interface PathWriter<T> {
    T write(Path file) throws IOException;
  }

  /**
   * As {@link #write(Path, Writer)}, for a writer that writes a file at a path of its own choosing: {@code writer}
   * gets the (existing, empty) temporary sibling of {@code target}; what it returns is returned.
   */
  public static <T> T writeFile(Path target, PathWriter<T> writer) throws IOException {
    Path tmp = null;
    try {
      recover(target);
      tmp = createTempSibling(target);
      T result = writer.write(tmp);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      REAL.rename(tmp, target);
      tmp = null;
      return result;
    } catch (IOException e) {
      throw failure("cannot write " + target, e, "");
    } finally {
      deleteQuietly(tmp);
    }
  }

  /**
   * A new empty file beside {@code target} (its directory created if needed), hidden and named after it, for a
   * writer that streams into it and then puts it in place with {@link #replace}; the caller removes it on failure.
   */
  public static Path createTempSibling(Path target) throws IOException {
    Path dir = parent(target);
    Files.createDirectories(dir);
    // named with this process's id, so that what a killed process leaves is recognised and removed (see recover)
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + "." + ProcessHandle.current().pid() + "-", ".tmp");
    if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      // temporary files are created owner-only; the file it becomes is as readable as any other output
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    }
    return tmp;
  }

  /**
   * As {@link #write(Path, Writer)}, through a stream: what a stage's {@link StageContext#writeAtomically} writes.
   * The stream is buffered; {@code content} may close it (the file is synced and renamed after it returns).
   */
  public static void writeStream(Path target, StageContext.FileContent content) throws IOException {
    write(target, ch -> {
      OutputStream out = new BufferedOutputStream(new FilterOutputStream(Channels.newOutputStream(ch)) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          super.out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
          flush(); // the channel stays open until content is done; then the file is synced and renamed
        }
      });
      content.writeTo(out);
      out.flush();
    });
  }

  public static void writeString(Path target, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    write(target, ch -> {
      var bb = java.nio.ByteBuffer.wrap(bytes);
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
    });
  }

  /** Appends to a log-like file (such as {@code runs.jsonl}); a failure names the file and the reason. */
  public static void append(Path target, String text) throws IOException {
    try {
      Files.createDirectories(parent(target));
      Files.writeString(target, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw failure("cannot write " + target, e, "");
    }
  }

  /**
   * Puts {@code source} (a file or a directory, possibly on another file system) at {@code target}, replacing
   * what is there. The old target is removed only once the new one is in place: the new one is first moved
   * (or, across file systems, copied) beside the target, the old one renamed aside, the new one renamed in,
   * then the old one deleted. On failure the old target is where it was and the new one is back at
   * {@code source} (or, if even that failed, where the message says).
   */
  public static void replace(Path source, Path target) throws IOException {
    replace(source, target, REAL);
  }

  static void replace(Path source, Path target, FileOps ops) throws IOException {
    Path dir = parent(target);
    String base = "." + target.getFileName();
    Path incoming = dir.resolve(base + ".new-" + suffix());
    Path newAt = source;
    boolean copied = false;
    Path aside = null;
    try {
      Files.createDirectories(dir);
      recover(target);
      // 1. the new output beside the target, on the target's file system, where the last renames are atomic
      try {
        ops.rename(source, incoming);
      } catch (AtomicMoveNotSupportedException e) {
        copied = true; // from here on incoming is a copy and source keeps the original until the end
        copyTree(source, incoming, ops);
      }
      newAt = incoming;
      boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
      if (exists && (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(incoming))) {
        // 2. a directory cannot be renamed over another: the old one goes aside first
        Path old = dir.resolve(base + ".old-" + suffix());
        ops.rename(target, old);
        aside = old; // only once it is there, so that a failure message says where the old one is
      }
      // 3. the new one in (over a file, rename replaces it atomically)
      try {
        ops.rename(incoming, target);
      } catch (IOException e) {
        if (aside != null) {
          try {
            ops.rename(aside, target);
            aside = null;
          } catch (IOException restore) {
            e.addSuppressed(restore);
          }
        }
        throw e;
      }
      newAt = target;
    } catch (IOException e) {
      // the new output back where it came from, so that nothing of it is lost either
      if (copied) {
        deleteQuietlyTree(incoming);
        newAt = source;
      } else if (newAt.equals(incoming)) {
        try {
          ops.rename(incoming, source);
          newAt = source;
        } catch (IOException undo) {
          e.addSuppressed(undo);
        }
      }
      String where = aside != null ? "; the previous one is at " + aside : "; the previous one is kept";
      throw failure("cannot put the new " + target.getFileName() + " in place at " + target, e,
          where + " and the new one is at " + newAt);
    }
    // 4. what is no longer needed; failing to remove it loses nothing
    if (aside != null) {
      deleteQuietlyTree(aside);
    }
    if (copied) {
      deleteQuietlyTree(source);
    }
  }

  /**
   * What a process killed in the middle of a write or a {@link #replace} leaves beside a target: {@code .NAME.PID-N.tmp}
   * (a temporary sibling), {@code .NAME.new-PID-X.tmp} (the new output moved beside it), {@code .NAME.old-PID-X.tmp}
   * (the old output renamed aside); group 1 is NAME, 2 {@code new} or {@code old}, 3 or 4 the PID. Also the
   * temporary siblings of earlier versions, {@code .NAME.N.tmp} (N of 5 or more digits, no PID).
   */
  private static final java.util.regex.Pattern LEFTOVER =
      java.util.regex.Pattern.compile("^\\.(.+)\\.(?:(new|old)-(\\d+)-[0-9a-f]+|(\\d+)-\\d+|\\d{5,})\\.tmp$");

  /**
   * Puts right what an interrupted write or {@link #replace} of {@code target} left (a {@code kill -9}, a power cut):
   * when the target is missing and its old copy was renamed aside, that copy is renamed back (the newest, if several);
   * every other leftover is deleted. Each is named in a warning. Leftovers of a process that is still running (by the
   * PID in their name) are left alone. Called before every write and replace of a target, and by the pipeline runner
   * for the run directory and the stage outputs before a run.
   */
  public static void recover(Path target) throws IOException {
    Path dir = parent(target);
    String name = target.getFileName().toString();
    List<Path> found = leftovers(dir).stream()
        .filter(p -> name.equals(leftoverTarget(p))).toList();
    if (found.isEmpty()) {
      return;
    }
    List<Path> rest = new java.util.ArrayList<>(found);
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      Path old = found.stream().filter(p -> isOld(p)).max(Comparator.comparing(AtomicFiles::modified)
          .thenComparing(Comparator.naturalOrder())).orElse(null);
      if (old != null) {
        try {
          REAL.rename(old, target);
        } catch (IOException e) {
          throw failure("cannot restore " + target + " from " + old + ", left by an interrupted replace", e, "");
        }
        LOG.warn("restored {} from {}, which an interrupted replace (a process killed while it replaced the file) left",
            target, old);
        rest.remove(old);
      }
    }
    for (Path p : rest) {
      try {
        deleteTree(p);
      } catch (IOException e) {
        throw failure("cannot remove " + p + ", left by an interrupted write of " + target, e, "");
      }
      LOG.warn("removed {}, left by an interrupted write of {}", p, target);
    }
  }

  /** {@link #recover} of every target in {@code dir} that has leftovers; nothing when {@code dir} does not exist. */
  public static void recoverAll(Path dir) throws IOException {
    var targets = new java.util.TreeSet<String>();
    for (Path p : leftovers(dir.toAbsolutePath())) {
      targets.add(leftoverTarget(p));
    }
    for (String t : targets) {
      recover(dir.toAbsolutePath().resolve(t));
    }
  }

  /** The leftovers in {@code dir} of processes no longer running. */
  private static List<Path> leftovers(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> {
        var m = LEFTOVER.matcher(p.getFileName().toString());
        if (!m.matches()) {
          return false;
        }
        String pid = m.group(3) != null ? m.group(3) : m.group(4);
        return pid == null || !running(pid);
      }).sorted().toList();
    }
  }

  private static String leftoverTarget(Path p) {
    var m = LEFTOVER.matcher(p.getFileName().toString());
    return m.matches() ? m.group(1) : null;
  }

  private static boolean isOld(Path p) {
    var m = LEFTOVER.matcher(p.getFileName().toString());
    return m.matches() && "old".equals(m.group(2));
  }

  private static boolean running(String pid) {
    try {
      long id = Long.parseLong(pid);
      // this process's own are in flight in another thread; another live process's are its own business
      return id == ProcessHandle.current().pid() || ProcessHandle.of(id).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static java.nio.file.attribute.FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return java.nio.file.attribute.FileTime.fromMillis(0);
    }
  }

  /** Deletes a file or a directory tree (symbolic links themselves, not what they point to). */
  public static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }

  /** Why an I/O operation failed, in words ("No space left on device", "permission denied: /x"). */
  public static String reason(IOException e) {
    if (e instanceof FileSystemException fse) {
      String what = fse.getReason();
      if (what == null) {
        what = fse instanceof AccessDeniedException ? "permission denied"
            : fse instanceof NoSuchFileException ? "no such file or directory"
            : fse instanceof DirectoryNotEmptyException ? "a non-empty directory is in the way"
            : fse instanceof FileAlreadyExistsException ? "a file is in the way"
            : fse.getClass().getSimpleName();
        if (fse.getFile() != null) {
          what += ": " + fse.getFile();
        }
      }
      return what;
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static IOException failure(String what, IOException e, String after) {
    return new IOException(what + ": " + reason(e) + after, e);
  }

  private static void copyTree(Path from, Path to, FileOps ops) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(dest);
        } else {
          ops.copy(p, dest);
        }
      }
    }
  }

  private static Path parent(Path target) {
    return target.toAbsolutePath().getParent();
  }

  private static String suffix() {
    return ProcessHandle.current().pid() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16) + ".tmp";
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        LOG.warn("could not remove the temporary file {}: {}", p, reason(e));
      }
    }
  }

  private static void deleteQuietlyTree(Path p) {
    try {
      deleteTree(p);
    } catch (IOException e) {
      LOG.warn("could not remove {}: {}; it may be deleted by hand", p, reason(e));
    }
  }
}
