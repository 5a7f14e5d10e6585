package org.align4j.core.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.align4j.api.Default;
import org.align4j.api.Flat;
import org.align4j.api.engine.TrainingLoopOptions;
import org.align4j.core.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;

/** Issue 12: a {@code @Flat} nested record binds from the enclosing block's own keys. */
class FlatOptionsTest {
  final OptionsBinder binder = new OptionsBinder(PluginRegistry.classpath());

  /** A stage's options: one key of its own, the shared loop with the stage's defaults, another key of its own. */
  public record Options(@Default("256") int seqLen,
      @Default("{batch_size: 16, epochs: 2}") @Flat TrainingLoopOptions loop, @Default("0") int limit) {}

  List<Problem> problems(String yaml) {
    YNode options = ((YNode.YMap) YamlTree.parse(yaml, "r.yaml")).get("options");
    var problems = new ArrayList<Problem>();
    assertNull(binder.bind(Options.class, options, "stage 's' (t)", problems));
    return problems;
  }

  @Test
  void flatKeysBindIntoTheNestedRecordOverTheStageDefaults() {
    assertEquals(new Options(256, new TrainingLoopOptions(16, 1, 2, 0, 25, 5), 0),
        binder.bindPlain(Options.class, Map.of(), "x"), "the stage's block over the record's own defaults");
    assertEquals(new Options(128, new TrainingLoopOptions(16, 4, 2, 30, 25, 1), 7), binder.bindPlain(Options.class,
        Map.of("seq_len", 128, "steps", 30, "accumulation", 4, "logEvery", 1, "limit", 7), "x"),
        "flat keys (snake or camel case) next to the record's own keys");
    YNode options = ((YNode.YMap) YamlTree.parse("options: {epochs: 3, batch_size: 2}\n", "r.yaml")).get("options");
    var problems = new ArrayList<Problem>();
    assertEquals(new TrainingLoopOptions(2, 1, 3, 0, 25, 5),
        binder.bind(Options.class, options, "stage 's' (t)", problems).loop());
    assertEquals(List.of(), problems);
  }

  @Test
  void anUnknownFlatKeyIsReportedAtItsLocationWithTheNearestKey() {
    List<Problem> p = problems("""
        options:
          seq_len: 64
          epoch: 3
          log_evry: 2
        """);
    assertEquals(List.of("r.yaml:3:3: unknown option 'epoch' for stage 's' (t); did you mean 'epochs'?",
        "r.yaml:4:3: unknown option 'log_evry' for stage 's' (t); did you mean 'log_every'?"),
        p.stream().map(Problem::toString).toList());
    assertEquals(List.of("r.yaml:1:11: unknown option 'loop' for stage 's' (t); valid: accumulation, batch_size,"
        + " checkpoint_every, epochs, limit, log_every, seq_len, steps"),
        problems("options: {loop: {epochs: 1}}\n").stream().map(Problem::toString).toList(),
        "the component's name is no key: its keys stand in the block itself");
  }

  @Test
  void aRangeCheckOfTheNestedRecordNamesTheRecipeLocation() {
    List<Problem> p = problems("""
        name: t
        options: {seq_len: 64, log_every: 0, epochs: -1}
        """);
    assertEquals(List.of("r.yaml:2:10: stage 's' (t): steps and epochs must be >= 0, got 0, -1; checkpoint_every must"
        + " be >= 0 and log_every >= 1, got 25, 0"), p.stream().map(Problem::toString).toList());
    p = problems("options: {steps: 2.5}\n");
    assertEquals(List.of("r.yaml:1:18: stage 's' (t) option 'steps': expected an integer, got 2.5"),
        p.stream().map(Problem::toString).toList(), "a type error points at the value");
  }
}
