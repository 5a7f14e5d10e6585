package org.align4j.plugins.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinksTest {
  @TempDir Path dir;

  @Test
  void csvAndJsonlRowsAppendAcrossReopens() throws Exception {
    for (int run = 0; run < 2; run++) {
      try (var csv = new CsvMetricsSink().open(dir, new CsvMetricsSink.Options("metrics.csv"));
          var jsonl = new JsonlMetricsSink().open(dir, new JsonlMetricsSink.Options("metrics.jsonl"))) {
        csv.scalar("sft", "train/loss", 3, 2.5, 1000L);
        jsonl.scalar("sft", "train/loss", 3, Double.NaN, 1000L);
      }
    }
    assertEquals(List.of("stage,name,step,value,wall_ms", "sft,train/loss,3,2.5,1000", "sft,train/loss,3,2.5,1000"),
        Files.readAllLines(dir.resolve("metrics.csv")));
    assertEquals("{\"stage\":\"sft\",\"name\":\"train/loss\",\"step\":3,\"value\":\"NaN\",\"wall_ms\":1000}",
        Files.readAllLines(dir.resolve("metrics.jsonl")).get(0));
  }

  @Test
  void tensorBoardRecordsUseTheTfRecordFraming() throws Exception {
    // CRC-32C check value of "123456789" is 0xE3069283 (RFC 3720); masking as TensorFlow's crc32c::Mask
    int masked = TensorBoardMetricsSink.maskedCrc("123456789".getBytes(StandardCharsets.US_ASCII));
    int rot = masked - 0xa282ead8;
    int crc = (rot << 15) | (rot >>> 17);
    assertEquals(0xE3069283, crc);

    try (var sink = new TensorBoardMetricsSink().open(dir, new TensorBoardMetricsSink.Options("tb"))) {
      sink.scalar("sft", "train/loss", 7, 1.5, 2000L);
    }
    Path file;
    try (var s = Files.list(dir.resolve("tb/sft"))) {
      file = s.findFirst().orElseThrow();
    }
    assertTrue(file.getFileName().toString().startsWith("events.out.tfevents.2."), file.toString());
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int records = 0;
    byte[] last = null;
    while (b.remaining() > 0) {
      long len = b.getLong();
      b.getInt();
      byte[] data = new byte[(int) len];
      b.get(data);
      assertEquals(TensorBoardMetricsSink.maskedCrc(data), b.getInt());
      records++;
      last = data;
    }
    assertEquals(2, records); // file_version event + one scalar
    // Event{wall_time=2.0 (field 1, fixed64), step=7 (field 2), summary (field 5){value{tag, simple_value=1.5f}}}
    byte[] tag = "train/loss".getBytes(StandardCharsets.UTF_8);
    ByteBuffer expect = ByteBuffer.allocate(last.length).order(ByteOrder.LITTLE_ENDIAN);
    expect.put((byte) 0x09).putDouble(2.0).put((byte) 0x10).put((byte) 7).put((byte) 0x2a).put((byte) (tag.length + 9))
        .put((byte) 0x0a).put((byte) (tag.length + 7)).put((byte) 0x0a).put((byte) tag.length).put(tag)
        .put((byte) 0x15).putFloat(1.5f);
    assertArrayEquals(expect.array(), last);
  }
}
