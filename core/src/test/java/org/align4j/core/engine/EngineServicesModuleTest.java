package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import java.util.Map;
import org.align4j.api.engine.Device;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.Trainer;
import org.align4j.core.inject.RunSettings;
import org.junit.jupiter.api.Test;

class EngineServicesModuleTest {
  @Test
  void bindsServicesWithDeviceFromRunSettings() {
    Injector inj = Guice.createInjector(new EngineServicesModule(), new AbstractModule() {
      @Override
      protected void configure() {
        bind(RunSettings.class).toInstance(new RunSettings("cpu", 1, 1L, "float32", Map.of()));
      }
    });
    Device d = inj.getInstance(Device.class);
    assertEquals("cpu", d.name());
    assertEquals(1, d.threads());
    assertInstanceOf(LocalModels.class, inj.getInstance(Models.class));
    assertInstanceOf(Trainer.class, inj.getInstance(Trainer.class));
    assertInstanceOf(Generator.class, inj.getInstance(Generator.class));
  }
}
