package org.align4j.core.engine.io;

import org.align4j.toolkit.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.align4j.api.Align4jException;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Reader and writer of the safetensors format: 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}}, then the raw
 * little-endian data. The header is validated before anything is allocated (length bounded by the file,
 * known dtypes, shapes matching byte ranges, ranges inside the data area and not overlapping), so a truncated
 * or hostile file gives an {@link Align4jException} naming the file and the entry, never a crash or a large
 * allocation. Writing goes to a temporary file that is renamed into place.
 */
public final class SafeTensors {
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  /** The reference implementation's limit on the header size. */
  static final long MAX_HEADER = 100L * 1024 * 1024;

  private SafeTensors() {}

  /** One validated header entry. */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    public long numel() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /** A validated header: entries in file order, metadata, and where the data starts. */
  public record Header(Map<String, Entry> entries, Map<String, String> metadata, long dataStart) {}

  static int elementSize(String dtype) {
    return switch (dtype) {
      case "F64", "I64", "U64" -> 8;
      case "F32", "I32", "U32" -> 4;
      case "F16", "BF16", "I16", "U16" -> 2;
      case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
      default -> -1;
    };
  }

  static ScalarType scalarType(String dtype) {
    return switch (dtype) {
      case "F64" -> ScalarType.Double;
      case "F32" -> ScalarType.Float;
      case "F16" -> ScalarType.Half;
      case "BF16" -> ScalarType.BFloat16;
      case "I64" -> ScalarType.Long;
      case "I32" -> ScalarType.Int;
      case "I16" -> ScalarType.Short;
      case "I8" -> ScalarType.Char;
      case "U8" -> ScalarType.Byte;
      case "BOOL" -> ScalarType.Bool;
      default -> null;
    };
  }

  /**
   * Safetensors dtype of a libtorch scalar type. Compares {@code value}s: the enum instances JavaCPP returns from
   * native calls are not the enum constants ({@code ==} and {@code switch} do not work on them).
   */
  static String dtypeName(ScalarType t) {
    String[] names = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"};
    for (String n : names) {
      if (scalarType(n).value == t.value) {
        return n;
      }
    }
    throw new Align4jException("cannot store tensors of type " + t + " in safetensors");
  }

  private static Align4jException bad(Path file, String what) {
    return new Align4jException(file + ": not a valid safetensors file: " + what
        + ". Re-export it (e.g. save_pretrained(..., safe_serialization=True)) or check that the download is complete.");
  }

  /** Reads and validates the header only. */
  public static Header readHeader(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return readHeader(file, ch);
    } catch (IOException e) {
      throw new Align4jException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static Header readHeader(Path file, FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < 8) {
      throw bad(file, "file is " + size + " bytes, shorter than the 8-byte header length");
    }
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, lenBuf, 0, file);
    long n = lenBuf.flip().getLong();
    if (n <= 0 || n > MAX_HEADER || n > size - 8) {
      throw bad(file, "header length " + Long.toUnsignedString(n) + " is outside 1.." + Math.min(MAX_HEADER, size - 8)
          + " (file size " + size + ")");
    }
    ByteBuffer hb = ByteBuffer.allocate((int) n);
    readFully(ch, hb, 8, file);
    String text = new String(hb.array(), StandardCharsets.UTF_8);
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw bad(file, "header is not JSON (" + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw bad(file, "header is not a JSON object");
    }
    long dataStart = 8 + n;
    long dataLen = size - dataStart;
    Map<String, Entry> entries = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String name = f.getKey();
      JsonNode v = f.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) {
          throw bad(file, "__metadata__ is not an object");
        }
        v.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      if (!v.isObject()) {
        throw bad(file, "entry '" + name + "' is not an object");
      }
      JsonNode dt = v.get("dtype");
      JsonNode sh = v.get("shape");
      JsonNode off = v.get("data_offsets");
      if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray() || off.size() != 2) {
        throw bad(file, "entry '" + name + "' needs dtype (string), shape (array) and data_offsets ([begin, end])");
      }
      String dtype = dt.asText();
      int es = elementSize(dtype);
      if (es < 0 || scalarType(dtype) == null) {
        throw bad(file, "entry '" + name + "' has unsupported dtype '" + dtype
            + "' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
      }
      if (sh.size() > 16) {
        throw bad(file, "entry '" + name + "' has " + sh.size() + " dimensions");
      }
      long[] shape = new long[sh.size()];
      long numel = 1;
      for (int i = 0; i < shape.length; i++) {
        JsonNode d = sh.get(i);
        if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
          throw bad(file, "entry '" + name + "' has an invalid shape " + sh);
        }
        shape[i] = d.asLong();
        try {
          numel = Math.multiplyExact(numel, shape[i]);
        } catch (ArithmeticException e) {
          throw bad(file, "entry '" + name + "' shape " + sh + " overflows");
        }
      }
      JsonNode b0 = off.get(0);
      JsonNode b1 = off.get(1);
      if (!b0.isIntegralNumber() || !b1.isIntegralNumber() || !b0.canConvertToLong() || !b1.canConvertToLong()) {
        throw bad(file, "entry '" + name + "' has non-integer data_offsets " + off);
      }
      long begin = b0.asLong();
      long end = b1.asLong();
      if (begin < 0 || end < begin || end > dataLen) {
        throw bad(file, "entry '" + name + "' data_offsets " + off + " are outside the " + dataLen
            + " data bytes (truncated file?)");
      }
      long bytes;
      try {
        bytes = Math.multiplyExact(numel, es);
      } catch (ArithmeticException e) {
        throw bad(file, "entry '" + name + "' is too large");
      }
      if (end - begin != bytes) {
        throw bad(file, "entry '" + name + "' shape " + sh + " of " + dtype + " needs " + bytes + " bytes but data_offsets "
            + off + " span " + (end - begin));
      }
      entries.put(name, new Entry(name, dtype, shape, begin, end));
    }
    List<Entry> sorted = new ArrayList<>(entries.values());
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    for (int i = 1; i < sorted.size(); i++) {
      Entry a = sorted.get(i - 1);
      Entry b = sorted.get(i);
      if (b.begin() < a.end()) {
        throw bad(file, "entries '" + a.name() + "' and '" + b.name() + "' overlap");
      }
    }
    return new Header(Collections.unmodifiableMap(entries), Collections.unmodifiableMap(meta), dataStart);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) {
        throw bad(file, "unexpected end of file");
      }
      pos += r;
    }
  }

  /** Reads every tensor (CPU, stored dtype), in file header order. */
  public static Map<String, Tensor> read(Path file) {
    return read(file, null);
  }

  /**
   * Reads tensors (CPU, stored dtype). {@code names} null: all. The returned tensors are kept alive beyond any
   * enclosing {@link PointerScope}; close them or let the GC free them.
   */
  public static Map<String, Tensor> read(Path file, java.util.Set<String> names) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header h = readHeader(file, ch);
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (Entry e : h.entries().values()) {
        if (names != null && !names.contains(e.name())) {
          continue;
        }
        Tensor t = torch.empty(e.shape(), new TensorOptions(scalarType(e.dtype())), null);
        long bytes = e.end() - e.begin();
        if (bytes > 0) {
          BytePointer p = new BytePointer(t.data_ptr()).capacity(bytes);
          long done = 0;
          while (done < bytes) {
            int chunk = (int) Math.min(bytes - done, 1 << 30);
            ByteBuffer bb = p.position(done).limit(done + chunk).asByteBuffer();
            readFully(ch, bb, h.dataStart() + e.begin() + done, file);
            done += chunk;
          }
        }
        out.put(e.name(), org.align4j.core.engine.Tensors.keep(t));
      }
      return out;
    } catch (IOException ex) {
      throw new Align4jException(file + ": cannot read: " + ex.getMessage(), ex);
    }
  }

  /**
   * Writes tensors (any device; stored in their dtype, contiguous) to {@code file} atomically, names sorted as the
   * reference writer does, header padded to 8 bytes.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
    try (PointerScope scope = new PointerScope()) {
      Map<String, Tensor> sorted = new TreeMap<>(tensors);
      Map<String, Tensor> cpu = new LinkedHashMap<>();
      ObjectNode header = JSON.createObjectNode();
      if (metadata != null && !metadata.isEmpty()) {
        ObjectNode m = header.putObject("__metadata__");
        metadata.forEach(m::put);
      }
      long offset = 0;
      for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
        Tensor t = e.getValue().detach().to(new Device("cpu"), e.getValue().scalar_type()).contiguous();
        cpu.put(e.getKey(), t);
        ObjectNode n = header.putObject(e.getKey());
        n.put("dtype", dtypeName(t.scalar_type()));
        var shape = n.putArray("shape");
        for (long d : t.sizes().vec().get()) {
          shape.add(d);
        }
        long bytes = t.nbytes();
        n.putArray("data_offsets").add(offset).add(offset + bytes);
        offset += bytes;
      }
      byte[] hjson = JSON.writeValueAsBytes(header);
      int padded = (hjson.length + 7) / 8 * 8;
      ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
      head.putLong(padded).put(hjson);
      while (head.hasRemaining()) {
        head.put((byte) ' ');
      }
      head.flip();
      AtomicFiles.write(file, ch -> {
        while (head.hasRemaining()) {
          ch.write(head);
        }
        for (Tensor t : cpu.values()) {
          long bytes = t.nbytes();
          if (bytes == 0) {
            continue;
          }
          BytePointer p = new BytePointer(t.data_ptr()).capacity(bytes);
          long done = 0;
          while (done < bytes) {
            int chunk = (int) Math.min(bytes - done, 1 << 30);
            ByteBuffer bb = p.position(done).limit(done + chunk).asByteBuffer();
            while (bb.hasRemaining()) {
              ch.write(bb);
            }
            done += chunk;
          }
        }
      });
    } catch (IOException ex) {
      throw new Align4jException(file + ": cannot write: " + ex.getMessage(), ex);
    }
  }
}
