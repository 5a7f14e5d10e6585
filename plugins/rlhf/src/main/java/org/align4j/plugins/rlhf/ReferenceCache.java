package org.align4j.plugins.rlhf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.DatasetWriter;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.metrics.Progress;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reference-model log-probabilities of every pair, computed once per (reference model, rendered data) and kept as an
 * Arrow file in the stage's work directory ({@code reference/<key>.arrow}, columns {@code row: int64, chosen:
 * float32, rejected: float32}), so a resumed or repeated run reuses them and training needs no reference model in
 * memory. The key is a SHA-256 of the reference checkpoint's files and of every pair's token ids and loss masks.
 */
final class ReferenceCache {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceCache.class);
  static final String KEY = "align4j.reference_key";
  static final Schema SCHEMA = new Schema(List.of(Schemas.field("row", Schemas.INT64),
      Schemas.field("chosen", Schemas.FLOAT32), Schemas.field("rejected", Schemas.FLOAT32)));

  private ReferenceCache() {}

  /** The cache key of a reference checkpoint and the pairs it scores (in order). */
  static String key(Path referenceDir, List<Preferences.Encoded> pairs) {
    MessageDigest md = StageFiles.sha256();
    md.update("align4j-reference-logprobs-v1".getBytes(StandardCharsets.UTF_8));
    StageFiles.hashModel(md, referenceDir);
    for (Preferences.Encoded e : pairs) {
      md.update(ints(new int[] {(int) e.pair().row(), e.prompt().length}));
      md.update(ints(e.prompt()));
      for (int j : new int[] {SequenceScoring.chosen(e), SequenceScoring.rejected(e)}) {
        md.update(ints(new int[] {e.responses()[j].length}));
        md.update(ints(e.responses()[j]));
        md.update(e.masks()[j]);
      }
    }
    return StageFiles.hex(md.digest());
  }

  private static byte[] ints(int[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) {
      b.putInt(x);
    }
    return b.array();
  }

  /** The cache file for a key. */
  static Path file(Path workDir, String key) {
    return workDir.resolve("reference").resolve(key.substring(0, 32) + ".arrow");
  }

  /**
   * The reference log-probs {chosen, rejected} of each pair: read from the cache file when it holds this key, else
   * computed with {@code score} (the reference model comes from {@code load}, called at most once) and written.
   *
   * @return per pair {chosen, rejected}, as float32 values
   */
  static double[][] getOrCompute(DatasetStore store, Path workDir, Path referenceDir, List<Preferences.Encoded> pairs,
      Supplier<AutoCloseable> load, Function<Preferences.Encoded, double[]> score, Progress progress) throws Exception {
    String key = key(referenceDir, pairs);
    Path file = file(workDir, key);
    double[][] cached = read(store, file, key, pairs);
    if (cached != null) {
      LOG.info("reference log-probs: reusing {} ({} pairs)", file, pairs.size());
      return cached;
    }
    double[][] out = new double[pairs.size()][];
    try (AutoCloseable model = load.get()) {
      for (int i = 0; i < pairs.size(); i++) {
        double[] v = score.apply(pairs.get(i));
        out[i] = new double[] {(float) v[0], (float) v[1]};
        if (progress != null) {
          progress.advance(1);
        }
      }
    }
    Files.createDirectories(file.getParent());
    try (DatasetWriter w = store.create(file, Schemas.withMetadata(SCHEMA, Map.of(KEY, key)))) {
      for (int i = 0; i < pairs.size(); i++) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("row", pairs.get(i).pair().row());
        row.put("chosen", (float) out[i][0]);
        row.put("rejected", (float) out[i][1]);
        w.write(row);
      }
      w.commit();
    }
    LOG.info("reference log-probs: computed {} pairs once, cached in {}", pairs.size(), file);
    return out;
  }

  /** The cached values when {@code file} exists, carries {@code key} and lines up with {@code pairs}; else null. */
  static double[][] read(DatasetStore store, Path file, String key, List<Preferences.Encoded> pairs) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    Schema schema = store.schema(file);
    if (schema.getCustomMetadata() == null || !key.equals(schema.getCustomMetadata().get(KEY))) {
      LOG.warn("{}: written for other data or another reference model; computing again", file);
      return null;
    }
    double[][] out = new double[pairs.size()][];
    int i = 0;
    try (RowStream rows = store.rows(file)) {
      while (rows.hasNext()) {
        Map<String, Object> r = rows.next();
        if (i >= pairs.size() || ((Number) r.get("row")).longValue() != pairs.get(i).pair().row()) {
          LOG.warn("{}: rows do not line up with the data; computing again", file);
          return null;
        }
        out[i++] = new double[] {((Number) r.get("chosen")).floatValue(), ((Number) r.get("rejected")).floatValue()};
      }
    }
    return i == pairs.size() ? out : null;
  }
}
