package org.align4j.api.stage;

import java.util.ArrayList;
import java.util.List;
import org.align4j.api.Provider;

/**
 * One step of a pipeline ({@code sft}, {@code reward-model}, {@code dpo}, ...). A stage reads its named
 * inputs and writes its named outputs through the {@link StageContext}; nothing else is shared between
 * stages. The runner makes outputs atomic and skips a stage whose inputs and options are unchanged.
 *
 * <p>A stage declares its id and description with {@link org.align4j.api.ProviderInfo}, its options as the
 * type argument, and its ports with {@link StagePort} on the class.
 *
 * <p>Long stages should checkpoint into {@link StageContext#workDir()}: it survives a killed run, so a
 * re-run resumes there.
 */
public interface Stage<O extends Record> extends Provider<O> {
  /** The named inputs a recipe binds: by default the {@link StagePort#input()}s on the class, in order. */
  default List<Port> inputs() {
    return ports(true);
  }

  /** The named outputs the stage writes: by default the {@link StagePort#output()}s on the class, in order. */
  default List<Port> outputs() {
    return ports(false);
  }

  private List<Port> ports(boolean inputs) {
    List<Port> ports = new ArrayList<>();
    for (StagePort p : getClass().getAnnotationsByType(StagePort.class)) {
      if (p.input().isEmpty() == p.output().isEmpty()) {
        throw new IllegalStateException(getClass().getName() + ": a @StagePort names exactly one of input and output");
      }
      String name = inputs ? p.input() : p.output();
      if (!name.isEmpty()) {
        ports.add(new Port(name, p.required(), p.description()));
      }
    }
    return List.copyOf(ports);
  }

  void run(StageContext context, O options) throws Exception;
}
