package org.align4j.core.engine;

import java.nio.file.Path;
import org.align4j.testkit.Repo;

/** Shared bits of the engine tests: the Hugging Face fixtures, a 1-thread CPU device. */
final class EngineTestSupport {
  static final TorchDevice DEVICE = TorchDevice.cpu(1);
  static final LocalModels MODELS = new LocalModels(DEVICE);

  private EngineTestSupport() {}

  static Path hfLlama() {
    return Repo.root().resolve("tests/fixtures/hf-llama");
  }
}
