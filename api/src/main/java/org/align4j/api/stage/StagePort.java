package org.align4j.api.stage;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares one named input or output of a {@link Stage} on its class; {@link Stage#inputs()} and
 * {@link Stage#outputs()} return them as {@link Port}s in the order written:
 *
 * <pre>{@code
 * @StagePort(input = "model", description = "checkpoint directory")
 * @StagePort(input = "tokenizer", description = "tokenizer (default: the model's)", required = false)
 * @StagePort(output = "samples", description = "samples dataset (Arrow IPC)")
 * }</pre>
 *
 * Exactly one of {@link #input()} and {@link #output()} is set. A stage whose ports depend on run-time values
 * overrides {@link Stage#inputs()} or {@link Stage#outputs()} instead.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Repeatable(StagePort.List.class)
public @interface StagePort {
  /** An input's name: what a recipe binds under {@code inputs:} and the stage reads with {@link StageContext#input}. */
  String input() default "";

  /** An output's name: what a recipe may give a path under {@code outputs:}; the stage writes {@link StageContext#output}. */
  String output() default "";

  /** One line for {@code align4j plugins}. */
  String description();

  /**
   * An input: a recipe must bind it (loading one that does not is an error). An output: the stage must write it
   * (a run that finishes without it fails).
   */
  boolean required() default true;

  /** Holds the repeated {@code @StagePort}s of one class. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface List {
    StagePort[] value();
  }
}
