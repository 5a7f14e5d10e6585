package org.align4j.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.align4j.api.Align4jException;
import org.align4j.api.Components;
import org.align4j.api.metrics.Metrics;
import org.align4j.api.metrics.Progress;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.api.stage.StageContext;
import org.align4j.toolkit.io.AtomicFiles;

/** A minimal stage context for tests: outputs under {@code dir}, only the declared ones. */
public final class FakeStageContext implements StageContext {
  private final Path dir;
  private final Set<String> outputs;
  private final Map<String, Path> inputs;
  private final Map<Class<?>, Object> services = new HashMap<>();
  public final Map<String, Double> scalars = new HashMap<>();

  public FakeStageContext(Path dir, Set<String> outputs, Map<String, Path> inputs) {
    this.dir = dir;
    this.outputs = outputs;
    this.inputs = inputs;
  }

  public <T> FakeStageContext with(Class<T> type, T service) {
    services.put(type, service);
    return this;
  }

  @Override
  public String stageId() {
    return "test";
  }

  @Override
  public Path runDir() {
    return dir;
  }

  @Override
  public Path workDir() {
    return dir.resolve("work");
  }

  @Override
  public Path input(String name) {
    Path p = inputs.get(name);
    if (p == null) {
      throw new Align4jException("missing input " + name);
    }
    return p;
  }

  @Override
  public Optional<Path> optionalInput(String name) {
    return Optional.ofNullable(inputs.get(name));
  }

  @Override
  public Path output(String name) {
    if (!outputs.contains(name)) {
      throw new Align4jException("undeclared output " + name);
    }
    return dir.resolve(name);
  }

  @Override
  public RecipeDefaults defaults() {
    return RecipeDefaults.of(Map.of());
  }

  @Override
  public long seed() {
    return 17;
  }

  @Override
  public Metrics metrics() {
    return (name, value, step) -> scalars.put(name, value);
  }

  @Override
  public Progress progress(String task, long total, String unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Components components() {
    throw new UnsupportedOperationException();
  }

  @Override
  public <T> T service(Class<T> type) {
    return type.cast(services.get(type));
  }

  @Override
  public void writeAtomically(Path target, FileContent content) throws IOException {
    AtomicFiles.writeStream(target, content);
  }

  @Override
  public void replaceAtomically(Path source, Path target) throws IOException {
    AtomicFiles.replace(source, target);
  }
}
