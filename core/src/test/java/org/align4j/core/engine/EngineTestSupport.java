package org.align4j.core.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Shared bits of the engine tests: the repository root, a 1-thread CPU device. */
final class EngineTestSupport {
  static final TorchDevice DEVICE = TorchDevice.cpu(1);
  static final LocalModels MODELS = new LocalModels(DEVICE);

  private EngineTestSupport() {}

  static Path root() {
    String p = System.getProperty("align4j.root");
    if (p != null && Files.isDirectory(Paths.get(p, "tests", "fixtures"))) {
      return Paths.get(p);
    }
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("tests").resolve("fixtures"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("cannot find the repository root (tests/fixtures); set -Dalign4j.root");
    }
    return dir;
  }

  static Path hfLlama() {
    return root().resolve("tests/fixtures/hf-llama");
  }
}
