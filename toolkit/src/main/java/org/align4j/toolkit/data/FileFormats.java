package org.align4j.toolkit.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Set;
import org.align4j.api.Align4jException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;

/**
 * What a data file holds, told by its first bytes, whatever its name says: a Parquet file named {@code .jsonl} is
 * Parquet, a gzip file named {@code .parquet} is gzip. The data sources, the dataset store and {@code align4j data}
 * all decide here, so a file is read the same way wherever it is given. Also opens Arrow IPC files and streams with
 * one-line errors naming the file and what is wrong (truncated, not Arrow, a corrupt record batch).
 */
public final class FileFormats {
  private FileFormats() {}

  /** The formats recognised by content; {@link #UNKNOWN} for anything else (text, JSON, an empty file). */
  public enum Kind {
    ARROW_FILE("an Arrow IPC file"), ARROW_STREAM("an Arrow IPC stream"), PARQUET("a Parquet file"), GZIP("gzip-compressed"),
    UNKNOWN("not a known binary format");

    private final String words;

    Kind(String words) {
      this.words = words;
    }

    /** "a Parquet file", for messages. */
    public String words() {
      return words;
    }
  }

  private static final byte[] ARROW_MAGIC = {'A', 'R', 'R', 'O', 'W', '1'};

  /** The kind of a file's first bytes (at least 8 of them where the file has them). */
  public static Kind of(byte[] head) {
    int n = head.length;
    if (n >= 6 && startsWith(head, ARROW_MAGIC)) {
      return Kind.ARROW_FILE;
    }
    // an IPC stream starts with the continuation marker 0xFFFFFFFF, then the schema message's length
    if (n >= 8 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xff && (head[2] & 0xff) == 0xff && (head[3] & 0xff) == 0xff) {
      return Kind.ARROW_STREAM;
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') {
      return Kind.PARQUET;
    }
    if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Kind.GZIP;
    }
    return Kind.UNKNOWN;
  }

  /** The kind of {@code file} by its first 8 bytes; {@link Kind#UNKNOWN} for a directory or an unreadable file. */
  public static Kind of(Path file) {
    if (!Files.isRegularFile(file)) {
      return Kind.UNKNOWN;
    }
    try (InputStream in = Files.newInputStream(file)) {
      return of(in.readNBytes(8));
    } catch (IOException e) {
      return Kind.UNKNOWN; // whoever opens it reports why it cannot be read
    }
  }

  /**
   * Whether a data source reading {@code kinds} reads {@code file}: by content when the file's first bytes are a known
   * format (its own or another's), else by name ({@code suffixes}, lower case).
   */
  public static boolean recognizes(Path file, Set<Kind> kinds, String... suffixes) {
    Kind k = of(file);
    if (k != Kind.UNKNOWN) {
      return kinds.contains(k);
    }
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    for (String s : suffixes) {
      if (n.endsWith(s)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Opens an Arrow IPC file or stream (told apart by content) in {@code allocator}, its schema read. A file cut short,
   * one that is not Arrow, or a corrupt schema or record batch fails with an {@link Align4jException} of one line
   * naming the file and what is wrong ("truncated at byte 3000 in record batch 2", "corrupt record batch 1: ...").
   */
  public static ArrowReader openIpc(Path file, BufferAllocator allocator) throws IOException {
    Kind kind = of(file);
    long size = Files.size(file);
    if (kind != Kind.ARROW_FILE && kind != Kind.ARROW_STREAM) {
      throw new Align4jException(file + ": not an Arrow IPC file or stream (it is " + (kind == Kind.UNKNOWN
          ? "neither: no ARROW1 magic, no stream marker at the start" : kind.words()) + "); convert it with"
          + " `align4j data convert` or give it its own name (.parquet, .jsonl)");
    }
    boolean fileFormat = kind == Kind.ARROW_FILE;
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      if (fileFormat && !endsWithMagic(ch, size)) {
        throw new Align4jException(file + ": truncated Arrow IPC file: it ends at byte " + size + " without the footer"
            + " and closing ARROW1 magic an IPC file ends with (cut short while written or copied?); write or copy it again");
      }
      ArrowReader r = fileFormat ? new CheckedFileReader(file, ch, allocator)
          : new CheckedStreamReader(file, size, ch, allocator);
      try {
        r.getVectorSchemaRoot();
      } catch (IOException | RuntimeException e) {
        throw problem(file, fileFormat ? "file" : "stream", size, "its schema", e);
      }
      return r;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static boolean endsWithMagic(FileChannel ch, long size) throws IOException {
    if (size < 2L * ARROW_MAGIC.length + 4) {
      return false;
    }
    ByteBuffer tail = ByteBuffer.allocate(ARROW_MAGIC.length);
    ch.read(tail, size - ARROW_MAGIC.length);
    return startsWith(tail.array(), ARROW_MAGIC);
  }

  private static boolean startsWith(byte[] b, byte[] prefix) {
    if (b.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** One line: the file, the part that failed and why; "truncated at byte N" when the reader ran out of input. */
  static Align4jException problem(Path file, String what, long size, String part, Throwable e) {
    if (e instanceof Align4jException a) {
      return a;
    }
    String m = e.getMessage();
    String why = m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    boolean eof = e instanceof java.io.EOFException || (m != null && m.toLowerCase(Locale.ROOT).contains("end of"));
    return new Align4jException(file + ": " + (eof ? "truncated Arrow IPC " + what + ": it ends at byte " + size + " in " + part
        : "corrupt Arrow IPC " + what + ": cannot read " + part + ": " + why) + "; write or copy it again", e);
  }

  /** Loads one record batch; {@code batch[0]} counts those loaded. */
  private interface BatchLoad {
    boolean load() throws IOException;
  }

  /** A batch load whose failure names the file, the byte where it ends or the record batch, and the fix. */
  private static boolean load(Path file, String what, long size, int[] batch, BatchLoad load) throws IOException {
    try {
      boolean more = load.load();
      batch[0]++;
      return more;
    } catch (IOException | RuntimeException e) {
      throw problem(file, what, size, "record batch " + (batch[0] + 1), e);
    }
  }

  /** An IPC stream reader whose failures name the file and the record batch. */
  private static final class CheckedStreamReader extends ArrowStreamReader {
    private final Path file;
    private final long size;
    private final int[] batch = {0};

    CheckedStreamReader(Path file, long size, FileChannel ch, BufferAllocator allocator) {
      super(Channels.newInputStream(ch), allocator);
      this.file = file;
      this.size = size;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      return load(file, "stream", size, batch, super::loadNextBatch);
    }
  }

  /** An IPC file reader whose failures name the file and the record batch. */
  private static final class CheckedFileReader extends ArrowFileReader {
    private final Path file;
    private final long size;
    private final int[] batch = {0};

    CheckedFileReader(Path file, FileChannel ch, BufferAllocator allocator) throws IOException {
      super(ch, allocator);
      this.file = file;
      this.size = ch.size();
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      return load(file, "file", size, batch, super::loadNextBatch);
    }
  }
}
