package org.align4j.plugins.tokenizers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Minimal protobuf wire-format reader and writer (enough for SentencePiece's ModelProto). */
final class Proto {
  private Proto() {}

  static final class Truncated extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Truncated(String m) {
      super(m);
    }
  }

  static final class Reader {
    final byte[] b;
    int pos;
    final int end;

    Reader(byte[] b, int from, int to) {
      this.b = b;
      this.pos = from;
      this.end = to;
    }

    boolean done() {
      return pos >= end;
    }

    long varint() {
      long r = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new Truncated("truncated varint at byte " + pos);
        }
        int x = b[pos++];
        r |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return r;
        }
      }
      throw new Truncated("malformed varint at byte " + pos);
    }

    int tag() {
      return (int) varint();
    }

    /** Returns [from, to) of a length-delimited field. */
    int[] bytesRange() {
      long len = varint();
      if (len < 0 || pos + len > end) {
        throw new Truncated("field of " + len + " bytes at byte " + pos + " runs past the end (" + end + ")");
      }
      int from = pos;
      pos += (int) len;
      return new int[] {from, pos};
    }

    String string() {
      int[] r = bytesRange();
      return new String(b, r[0], r[1] - r[0], StandardCharsets.UTF_8);
    }

    float fixed32Float() {
      if (pos + 4 > end) {
        throw new Truncated("truncated float at byte " + pos);
      }
      int v = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16 | (b[pos + 3] & 0xFF) << 24;
      pos += 4;
      return Float.intBitsToFloat(v);
    }

    void skip(int wireType) {
      switch (wireType) {
        case 0 -> varint();
        case 1 -> {
          if (pos + 8 > end) {
            throw new Truncated("truncated fixed64 at byte " + pos);
          }
          pos += 8;
        }
        case 2 -> bytesRange();
        case 5 -> {
          if (pos + 4 > end) {
            throw new Truncated("truncated fixed32 at byte " + pos);
          }
          pos += 4;
        }
        default -> throw new Truncated("unknown wire type " + wireType + " at byte " + pos);
      }
    }
  }

  static final class Writer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Writer varint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
      return this;
    }

    Writer tag(int field, int wire) {
      return varint(((long) field << 3) | wire);
    }

    Writer bytes(int field, byte[] v) {
      tag(field, 2).varint(v.length);
      out.write(v, 0, v.length);
      return this;
    }

    Writer string(int field, String v) {
      return bytes(field, v.getBytes(StandardCharsets.UTF_8));
    }

    Writer int64(int field, long v) {
      return tag(field, 0).varint(v);
    }

    Writer int32(int field, int v) {
      return tag(field, 0).varint(v < 0 ? (long) v : v);
    }

    Writer bool(int field, boolean v) {
      return tag(field, 0).varint(v ? 1 : 0);
    }

    Writer float32(int field, float f) {
      tag(field, 5);
      int v = Float.floatToIntBits(f);
      out.write(v & 0xFF);
      out.write((v >>> 8) & 0xFF);
      out.write((v >>> 16) & 0xFF);
      out.write((v >>> 24) & 0xFF);
      return this;
    }

    Writer message(int field, Writer m) {
      return bytes(field, m.toByteArray());
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}
