package org.align4j.core.engine;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import org.align4j.api.engine.Device;
import org.align4j.api.engine.Distributed;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.Trainer;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.core.engine.dist.DataParallel;
import org.align4j.core.engine.generate.LocalGenerator;
import org.align4j.core.engine.train.LocalTrainer;

/**
 * Binds the engine services of {@code org.align4j.api.engine} ({@link Device}, {@link Models}, {@link Trainer},
 * {@link Generator}, {@link Distributed}) for the main injector. The device comes from the recipe defaults {@code device}
 * ({@code cpu | cuda | cuda:N}) and {@code threads} (0: all cores), the trainer's ZeRO stage from {@code zero}, read from the bound {@link RecipeDefaults} when
 * the module is created without arguments (as {@code META-INF/services/com.google.inject.Module} does); it is
 * created (and libtorch's thread count set) on first use.
 */
public final class EngineServicesModule extends AbstractModule {
  private final String device;
  private final int threads;

  public EngineServicesModule(String device, int threads) {
    this.device = device;
    this.threads = threads;
  }

  /** Device and threads from the bound {@link RecipeDefaults}, else CPU with all cores. */
  public EngineServicesModule() {
    this(null, 0);
  }

  @Override
  protected void configure() {
    bind(Models.class).to(LocalModels.class).in(Singleton.class);
    bind(Generator.class).to(LocalGenerator.class).in(Singleton.class);
  }

  /** The trainer, with the recipe's {@code defaults.zero} (ZeRO-1 optimiser-state sharding) when defaults are bound. */
  @Provides
  @Singleton
  Trainer trainer(Injector injector) {
    int zero = injector.getExistingBinding(Key.get(RecipeDefaults.class)) != null
        ? injector.getInstance(RecipeDefaults.class).zero() : 0;
    return new LocalTrainer(zero);
  }

  /**
   * The ranks of this run: the launch's process group when the process is one of several ranks (joined here if the
   * runner has not yet), else one process.
   */
  @Provides
  @Singleton
  Distributed distributed(Injector injector) {
    String dev = device;
    if (dev == null && injector.getExistingBinding(Key.get(RecipeDefaults.class)) != null) {
      dev = injector.getInstance(RecipeDefaults.class).device();
    }
    DataParallel g = DataParallel.current() != null ? DataParallel.current() : DataParallel.launch(dev);
    return g != null ? g : Distributed.single();
  }

  @Provides
  @Singleton
  Device device(Injector injector) {
    if (device == null && injector.getExistingBinding(Key.get(RecipeDefaults.class)) != null) {
      RecipeDefaults s = injector.getInstance(RecipeDefaults.class);
      return new TorchDevice(s.device(), s.threads());
    }
    return new TorchDevice(device == null ? RecipeDefaults.DEVICE : device, threads);
  }
}
