package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import org.align4j.api.engine.Device;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.Trainer;
import org.align4j.api.stage.RecipeDefaults;
import org.junit.jupiter.api.Test;

class EngineServicesModuleTest {
  @Test
  void bindsServicesWithDeviceFromRecipeDefaults() {
    Injector inj = Guice.createInjector(new EngineServicesModule(), new AbstractModule() {
      @Override
      protected void configure() {
        bind(RecipeDefaults.class).toInstance(new RecipeDefaults("cpu", 1L, 1, "float32", null, null, null));
      }
    });
    Device d = inj.getInstance(Device.class);
    assertEquals("cpu", d.name());
    assertEquals(1, d.threads());
    assertInstanceOf(LocalModels.class, inj.getInstance(Models.class));
    assertInstanceOf(Trainer.class, inj.getInstance(Trainer.class));
    assertInstanceOf(Generator.class, inj.getInstance(Generator.class));
  }

  @Test
  void theTrainerTakesDefaultsZero() throws Exception {
    Injector inj = Guice.createInjector(new EngineServicesModule(), new AbstractModule() {
      @Override
      protected void configure() {
        bind(RecipeDefaults.class).toInstance(new RecipeDefaults("cpu", 1L, 1, "float32", null, null, null, 1));
      }
    });
    var f = org.align4j.core.engine.train.LocalTrainer.class.getDeclaredField("zero");
    f.setAccessible(true);
    assertEquals(1, f.getInt(inj.getInstance(Trainer.class)));
    assertEquals(0, f.getInt(Guice.createInjector(new EngineServicesModule()).getInstance(Trainer.class)));
  }
}
