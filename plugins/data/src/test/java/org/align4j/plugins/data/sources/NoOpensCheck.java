package org.align4j.plugins.data.sources;

import org.align4j.core.data.ArrowDatasetStore;

/** Run without --add-opens by {@link StreamingTest}: prints the store's error message. */
public final class NoOpensCheck {
  public static void main(String[] args) {
    try (ArrowDatasetStore s = new ArrowDatasetStore()) {
      System.out.println("NO ERROR");
    } catch (RuntimeException e) {
      System.out.println("ERROR " + e.getMessage());
    }
  }
}
