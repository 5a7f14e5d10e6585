package org.align4j.plugins.data.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams a dataset several times the configured heap: a child JVM with {@code -Xmx32m} converts a
 * ~128 MB JSONL file to an Arrow dataset and reads it back. Arrow's buffers live off-heap, so the
 * allocator's peak is checked too: it stays a small fraction of the dataset.
 */
class StreamingTest {
  @Test
  void datasetFourTimesTheHeapStreamsInBoundedMemory(@TempDir Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx32m", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), StreamingCheck.class.getName(), dir.toString(), "128"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    System.out.println(out.strip());
    String line = out.lines().filter(l -> l.startsWith("OK ")).findFirst().orElseThrow(() -> new AssertionError(out));
    Map<String, Long> v = new HashMap<>();
    for (String kv : line.substring(3).split(" ")) {
      String[] p2 = kv.split("=");
      v.put(p2[0], Long.parseLong(p2[1]));
    }
    long heap = v.get("maxHeap");
    assertTrue(v.get("jsonlBytes") > 3 * heap, "JSONL " + v.get("jsonlBytes") + " vs heap " + heap);
    assertTrue(v.get("arrowBytes") > 3 * heap, "Arrow " + v.get("arrowBytes") + " vs heap " + heap);
    assertTrue(v.get("peakArrow") < v.get("arrowBytes") / 8, "Arrow peak " + v.get("peakArrow") + " for a dataset of "
        + v.get("arrowBytes"));
  }

  @Test
  void withoutTheAddOpensFlagTheErrorSaysWhatToAdd() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), NoOpensCheck.class.getName())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    assertTrue(out.contains("ERROR Apache Arrow needs the JVM option --add-opens=java.base/java.nio=ALL-UNNAMED"), out);
  }
}
