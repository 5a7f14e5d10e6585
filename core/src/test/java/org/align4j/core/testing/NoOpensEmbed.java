package org.align4j.core.testing;

import org.align4j.core.Align4j;

/** Run without --add-opens by {@code EmbeddingChecksTest}: what Align4j.create() does. */
public final class NoOpensEmbed {
  public static void main(String[] args) {
    try {
      Align4j.create();
      System.out.println("CREATED");
    } catch (RuntimeException e) {
      System.out.println("ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
