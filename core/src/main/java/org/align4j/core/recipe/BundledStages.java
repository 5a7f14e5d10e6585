package org.align4j.core.recipe;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Which artifact provides each bundled stage id: core finds stages only on the class path, so an embedder who
 * added {@code align4j-core} alone gets, for {@code unknown stage 'tasks'}, the artifact to add.
 */
public final class BundledStages {
  private static final Map<String, String> ARTIFACT_BY_ID = read();

  private BundledStages() {}

  /** Every bundled stage id and the artifact id (group {@code org.align4j}) that provides it, sorted by id. */
  public static Map<String, String> table() {
    return ARTIFACT_BY_ID;
  }

  /** The hint for an unknown stage id: which artifact to add, or "" when it is no bundled stage. */
  static String hint(String id) {
    return Optional.ofNullable(ARTIFACT_BY_ID.get(id))
        .map(a -> " (a bundled stage of org.align4j:" + a + ", which is not on the class path: add that dependency,"
            + " or org.align4j:align4j-bundle for every bundled plugin)")
        .orElse("");
  }

  private static Map<String, String> read() {
    var p = new Properties();
    try (InputStream in = BundledStages.class.getResourceAsStream("bundled-stages.properties")) {
      if (in == null) {
        throw new IllegalStateException("bundled-stages.properties is missing from align4j-core");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    var m = new TreeMap<String, String>();
    p.forEach((k, v) -> m.put(k.toString(), v.toString()));
    return java.util.Collections.unmodifiableMap(m);
  }
}
