package org.align4j.api.stage;

import java.util.Arrays;
import java.util.List;
import org.align4j.api.Provider;

/**
 * One step of a pipeline ({@code sft}, {@code reward-model}, {@code dpo}, ...). A stage reads its named
 * inputs and writes its named outputs through the {@link StageContext}; nothing else is shared between
 * stages. The runner makes outputs atomic and skips a stage whose inputs and options are unchanged.
 *
 * <p>A stage declares its id and description with {@link org.align4j.api.ProviderInfo}, its options as the
 * type argument, and its ports with {@link Input} and {@link Output} on the class.
 *
 * <p>Long stages should checkpoint into {@link StageContext#workDir()}: it survives a killed run, so a
 * re-run resumes there.
 */
public interface Stage<O extends Record> extends Provider<O> {
  /** The named inputs a recipe binds: by default the {@link Input}s on the class, in order. */
  default List<Port> inputs() {
    return Arrays.stream(getClass().getAnnotationsByType(Input.class))
        .map(p -> new Port(p.name(), p.required(), p.description())).toList();
  }

  /** The named outputs the stage writes: by default the {@link Output}s on the class, in order. */
  default List<Port> outputs() {
    return Arrays.stream(getClass().getAnnotationsByType(Output.class))
        .map(p -> new Port(p.name(), p.required(), p.description())).toList();
  }

  void run(StageContext context, O options) throws Exception;
}
