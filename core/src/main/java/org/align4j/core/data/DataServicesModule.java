package org.align4j.core.data;

import com.google.inject.AbstractModule;
import org.align4j.api.data.DatasetStore;

/** Binds the dataset store ({@link DatasetStore} -> {@link ArrowDatasetStore}, one per injector). */
public final class DataServicesModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(ArrowDatasetStore.class).in(com.google.inject.Singleton.class);
    bind(DatasetStore.class).to(ArrowDatasetStore.class);
  }
}
