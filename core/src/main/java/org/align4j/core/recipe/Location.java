package org.align4j.core.recipe;

/** Where a value came from: a recipe file position, or a {@code --set} argument. */
public record Location(String file, int line, int column) {
  public static final Location UNKNOWN = new Location("<unknown>", 0, 0);

  @Override
  public String toString() {
    return line > 0 ? file + ":" + line + ":" + column : file;
  }
}
