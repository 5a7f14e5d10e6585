package org.align4j.core.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.align4j.api.Align4jException;
import org.align4j.api.Components;
import org.align4j.api.metrics.Metrics;
import org.align4j.api.metrics.Progress;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.api.stage.StageContext;
import org.align4j.toolkit.io.AtomicFiles;
import org.align4j.core.inject.Services;
import org.align4j.core.metrics.MetricsHub;
import org.align4j.core.metrics.ProgressReporter;
import org.align4j.core.recipe.ResolvedStage;

final class StageContextImpl implements StageContext {
  private final ResolvedStage stage;
  private final Path runDir;
  private final Path workDir;
  private final Path tmpDir;
  private final RecipeDefaults defaults;
  private final long seed;
  private final Metrics metrics;
  private final Services services;

  StageContextImpl(ResolvedStage stage, Path runDir, Path workDir, Path tmpDir, RecipeDefaults defaults,
      long seed, MetricsHub hub, Services services) {
    this.stage = stage;
    this.runDir = runDir;
    this.workDir = workDir;
    this.tmpDir = tmpDir;
    this.defaults = defaults;
    this.seed = seed;
    this.metrics = hub.forStage(stage.id());
    this.services = services;
  }

  @Override
  public String stageId() {
    return stage.id();
  }

  @Override
  public Path runDir() {
    return runDir;
  }

  @Override
  public Path workDir() {
    return workDir;
  }

  @Override
  public Path input(String name) {
    return optionalInput(name).orElseThrow(() -> new Align4jException("stage '" + stage.id() + "' (" + stage.uses()
        + ") needs input '" + name + "'; add it under inputs: in the recipe"));
  }

  @Override
  public Optional<Path> optionalInput(String name) {
    var in = stage.inputs().get(name);
    return in == null ? Optional.empty() : Optional.of(in.path());
  }

  @Override
  public Path output(String name) {
    if (!stage.outputs().containsKey(name)) {
      throw new Align4jException("stage '" + stage.id() + "' (" + stage.uses() + ") wrote undeclared output '" + name
          + "'; declared: " + stage.outputs().keySet());
    }
    return tmpDir.resolve(name);
  }

  @Override
  public RecipeDefaults defaults() {
    return defaults;
  }

  @Override
  public long seed() {
    return seed;
  }

  @Override
  public Metrics metrics() {
    return metrics;
  }

  @Override
  public Progress progress(String task, long total, String unit) {
    return new ProgressReporter(stage.id() + (task == null || task.isEmpty() ? "" : " " + task), total, unit,
        Duration.ofSeconds(10));
  }

  @Override
  public Components components() {
    return services.get(Components.class);
  }

  @Override
  public <T> T service(Class<T> type) {
    return services.get(type);
  }

  @Override
  public void writeAtomically(Path target, FileContent content) throws IOException {
    AtomicFiles.writeStream(ownFile(target), content);
  }

  @Override
  public void replaceAtomically(Path source, Path target) throws IOException {
    AtomicFiles.replace(ownFile(source), ownFile(target));
  }

  /** A path inside the stage's work directory or its outputs' temporary area; what else is there belongs to others. */
  private Path ownFile(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    if (abs.startsWith(workDir.toAbsolutePath().normalize()) || abs.startsWith(tmpDir.toAbsolutePath().normalize())) {
      return abs;
    }
    throw new Align4jException("stage '" + stage.id() + "' (" + stage.uses() + ") may write only inside its work"
        + " directory " + workDir + " or its outputs, not " + p);
  }
}
