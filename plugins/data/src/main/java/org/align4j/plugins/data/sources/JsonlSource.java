package org.align4j.plugins.data.sources;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.EnumSet;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.DataSourceProvider;
import org.align4j.toolkit.data.FileFormats;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/** {@code jsonl}: JSON Lines, plain or gzip-compressed (detected by content), one object per line. */
@ProviderInfo(id = "jsonl",
    description = "JSON Lines (.jsonl, .jsonl.gz): chat, TRL, Anthropic HH and Llama 2 preference shapes")
public final class JsonlSource implements DataSourceProvider<JsonlSource.Options> {
  public record Options(
      @Default("auto") @Doc("auto | raw | conversations | preferences (see Shapes)") String shape,
      @Default("fail") @Doc("fail | skip: what a malformed row does (skips are counted and reported)") String onError,
      @Default("1024") @Doc("rows per batch") int batchSize,
      @Default("1000") @Doc("raw shape: rows read to infer the schema") int inferRows) {
    public Options {
      shape = SourceRows.shapeOption(shape, "auto");
      onError = SourceRows.onErrorOption(onError);
      SourceRows.checkBatchSize(batchSize);
      if (inferRows < 1) {
        throw new IllegalArgumentException("infer_rows must be >= 1, got " + inferRows);
      }
    }

    public static Options defaults() {
      return new Options("auto", "fail", 1024, 1000);
    }
  }

  @Override
  public boolean recognizes(Path file) {
    // gzip by content (JSONL is the one compressed format read); Parquet or Arrow inside a .jsonl is theirs
    return FileFormats.recognizes(file, EnumSet.of(FileFormats.Kind.GZIP), ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz",
        ".json.gz", ".json");
  }

  /** Opens a file's bytes, gunzipping when it starts with the gzip magic. */
  static InputStream openBytes(Path file) throws IOException {
    PushbackInputStream in = new PushbackInputStream(Files.newInputStream(file), 2);
    byte[] magic = in.readNBytes(2);
    in.unread(magic);
    InputStream s = FileFormats.of(magic) == FileFormats.Kind.GZIP ? new GZIPInputStream(in, 1 << 16) : in;
    return new java.io.BufferedInputStream(s, 1 << 16);
  }

  /** Opens a text file, gunzipping when it starts with the gzip magic. */
  static BufferedReader openText(Path file) throws IOException {
    var decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    return new BufferedReader(new InputStreamReader(openBytes(file), decoder), 1 << 16);
  }

  /** One line's bytes without its line end, or null at the end of the stream. */
  static byte[] readLineBytes(InputStream in, ByteArrayOutputStream buf) throws IOException {
    buf.reset();
    int c;
    boolean any = false;
    while ((c = in.read()) >= 0) {
      any = true;
      if (c == '\n') {
        break;
      }
      buf.write(c);
    }
    if (!any) {
      return null;
    }
    byte[] b = buf.toByteArray();
    return b.length > 0 && b[b.length - 1] == '\r' ? java.util.Arrays.copyOf(b, b.length - 1) : b;
  }

  @Override
  public ArrowReader open(Path file, Options o, BufferAllocator allocator) throws IOException {
    // lines are split as bytes and decoded one by one, so invalid UTF-8 is reported at its own line (a decoding
    // reader reads ahead) and on_error: skip can skip it
    InputStream reader = openBytes(file);
    var decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    var buf = new ByteArrayOutputStream(256);
    Iterator<SourceRows.Located> lines = new Iterator<>() {
      long line;
      SourceRows.Located next;

      @Override
      public boolean hasNext() {
        while (next == null) {
          String s;
          byte[] bytes;
          try {
            bytes = readLineBytes(reader, buf);
          } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
          }
          if (bytes == null) {
            return false;
          }
          line++;
          try {
            s = decoder.reset().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
          } catch (java.nio.charset.CharacterCodingException e) {
            next = new SourceRows.Located("line " + line, null, "not valid UTF-8");
            break;
          }
          if (s.isBlank()) {
            continue;
          }
          try {
            next = new SourceRows.Located("line " + line, Json.parseObject(s), null);
          } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // a parser limit (nesting depth, string length) has no location
            var where = e.getLocation();
            next = new SourceRows.Located("line " + line, null, "not valid JSON: " + e.getOriginalMessage()
                + (where != null && where.getColumnNr() > 0 ? " (column " + where.getColumnNr() + ")" : ""));
          } catch (IllegalArgumentException e) {
            next = new SourceRows.Located("line " + line, null, e.getMessage());
          }
        }
        return true;
      }

      @Override
      public SourceRows.Located next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        var n = next;
        next = null;
        return n;
      }
    };
    try {
      return SourceRows.reader(file, lines, null, o.shape(), o.onError(), o.batchSize(), o.inferRows(), allocator, reader);
    } catch (RuntimeException | IOException e) {
      reader.close();
      throw e;
    }
  }
}
