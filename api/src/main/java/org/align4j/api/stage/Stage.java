package org.align4j.api.stage;

import java.util.List;
import org.align4j.api.Provider;

/**
 * One step of a pipeline ({@code sft}, {@code reward-model}, {@code dpo}, ...). A stage reads its named
 * inputs and writes its named outputs through the {@link StageContext}; nothing else is shared between
 * stages. The runner makes outputs atomic and skips a stage whose inputs and options are unchanged.
 *
 * <p>A stage declares its id and description with {@link org.align4j.api.ProviderInfo}, its options as the
 * type argument, and its ports by overriding {@link #inputs()} and {@link #outputs()}.
 *
 * <p>Long stages should checkpoint into {@link StageContext#workDir()}: it survives a killed run, so a
 * re-run resumes there.
 */
public interface Stage<O extends Record> extends Provider<O> {
  /** The named inputs a recipe binds; none by default. */
  default List<Port> inputs() {
    return List.of();
  }

  /** The named outputs the stage writes; none by default. */
  default List<Port> outputs() {
    return List.of();
  }

  void run(StageContext context, O options) throws Exception;
}
