package org.align4j.plugins.data.testing;

import org.align4j.core.data.ArrowDatasetStore;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One dataset store for the tests of a class, opened before them and closed after:
 * {@code @RegisterExtension static final TestStore STORE = new TestStore();}.
 */
public final class TestStore implements BeforeAllCallback, AfterAllCallback {
  private ArrowDatasetStore store;

  public ArrowDatasetStore get() {
    return store;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    store = new ArrowDatasetStore();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    store.close();
  }
}
