package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.align4j.api.Align4jException;
import org.align4j.core.engine.io.SafeTensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Truncated, corrupted and hostile safetensors files give Align4jException naming the file, never a crash. */
class SafeTensorsFuzzTest {
  static final Path SOURCE = EngineTestSupport.hfLlama().resolve("tiny-llama2-mha-tied/model.safetensors");

  static byte[] file(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return b.array();
  }

  static Align4jException rejects(Path p, byte[] bytes) throws Exception {
    Files.write(p, bytes);
    Align4jException e = assertThrows(Align4jException.class, () -> SafeTensors.read(p));
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    return e;
  }

  @Test
  void hostileHeadersAreRejectedBeforeAllocation(@TempDir Path tmp) throws Exception {
    Path p = tmp.resolve("x.safetensors");
    rejects(p, new byte[3]);
    byte[] huge = new byte[16];
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
    assertTrue(rejects(p, huge).getMessage().contains("header length"));
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(-8);
    rejects(p, huge);
    // a tensor claiming 2^40 floats in a tiny file
    assertTrue(rejects(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1048576,1048576],\"data_offsets\":[0,4398046511104]}}", 8))
        .getMessage().contains("outside"));
    // shape * element size overflowing a long
    rejects(p, file("{\"a\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8));
    // shape disagreeing with offsets
    assertTrue(rejects(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8))
        .getMessage().contains("needs 12 bytes"));
    rejects(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8));
    rejects(p, file("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
    rejects(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8));
    rejects(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8));
    rejects(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
    rejects(p, file("[1,2,3]", 0));
    rejects(p, file("{\"a\": ", 0));
    // a valid file reads
    Files.write(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
    assertEquals(2, SafeTensors.read(p).get("a").numel());
  }

  @Test
  void everyTruncationOfARealCheckpointIsAClearError(@TempDir Path tmp) throws Exception {
    byte[] full = Files.readAllBytes(SOURCE);
    Path p = tmp.resolve("t.safetensors");
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 40; i++) {
      int len = i < 10 ? i * 97 % 1200 : r.nextInt(full.length - 1);
      byte[] cut = java.util.Arrays.copyOf(full, len);
      rejects(p, cut);
    }
  }

  @Test
  void randomByteFlipsNeverCrash(@TempDir Path tmp) throws Exception {
    byte[] full = Files.readAllBytes(SOURCE);
    long headerLen = ByteBuffer.wrap(full).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Path p = tmp.resolve("f.safetensors");
    SplittableRandom r = new SplittableRandom(7);
    int rejected = 0;
    for (int i = 0; i < 150; i++) {
      byte[] bad = full.clone();
      int flips = 1 + r.nextInt(4);
      for (int k = 0; k < flips; k++) {
        int at = r.nextInt((int) (8 + headerLen)); // header bytes: where the parser is attacked
        bad[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : "0123456789\"{}[],:".charAt(r.nextInt(17)));
      }
      Files.write(p, bad);
      try {
        Map<String, Tensor> t = SafeTensors.read(p);
        t.values().forEach(Tensor::close);
      } catch (Align4jException e) {
        rejected++;
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
      } catch (RuntimeException e) {
        fail("flip " + i + " threw " + e, e);
      }
    }
    assertTrue(rejected > 50, "most corruptions must be detected, got " + rejected);
  }
}
