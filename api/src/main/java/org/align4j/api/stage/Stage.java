package org.align4j.api.stage;

import java.util.List;
import org.align4j.api.Provider;

/**
 * One step of a pipeline ({@code sft}, {@code reward-model}, {@code dpo}, ...). A stage reads its named
 * inputs and writes its named outputs through the {@link StageContext}; nothing else is shared between
 * stages. The runner makes outputs atomic and skips a stage whose inputs and options are unchanged.
 *
 * <p>Long stages should checkpoint into {@link StageContext#workDir()}: it survives a killed run, so a
 * re-run resumes there.
 */
public interface Stage<O extends Record> extends Provider<O> {
  List<Port> inputs();

  List<Port> outputs();

  void run(StageContext context, O options) throws Exception;
}
