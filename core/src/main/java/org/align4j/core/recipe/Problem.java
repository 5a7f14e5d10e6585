package org.align4j.core.recipe;

/** One validation problem, reported with its location. */
public record Problem(Location location, String message) {
  @Override
  public String toString() {
    return location + ": " + message;
  }
}
