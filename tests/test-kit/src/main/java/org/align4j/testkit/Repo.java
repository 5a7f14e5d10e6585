package org.align4j.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository a test runs in, for the fixtures committed to it. */
public final class Repo {
  private Repo() {}

  /**
   * The repository root: {@code -Dalign4j.root} (Surefire sets it for every module) when it holds
   * {@code tests/fixtures}, else the nearest directory above the working directory that does.
   *
   * @throws IllegalStateException when neither finds it
   */
  public static Path root() {
    String p = System.getProperty("align4j.root");
    if (p != null && isRoot(Path.of(p))) {
      return Path.of(p);
    }
    Path start = Path.of("").toAbsolutePath();
    for (Path d = start; d != null; d = d.getParent()) {
      if (isRoot(d)) {
        return d;
      }
    }
    throw new IllegalStateException("cannot find the repository root (a directory holding tests/fixtures) from "
        + start + "; set -Dalign4j.root");
  }

  private static boolean isRoot(Path dir) {
    return Files.isDirectory(dir.resolve("tests").resolve("fixtures"));
  }
}
