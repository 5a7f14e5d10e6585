package org.align4j.api.stage;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares one named output of a {@link Stage} on its class, in order; {@link Stage#outputs()} returns them as
 * {@link Port}s. A stage whose outputs depend on run-time values overrides {@link Stage#outputs()} instead.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Repeatable(Output.List.class)
public @interface Output {
  /** The name a recipe may give a path under {@code outputs:}; the stage writes it at {@link StageContext#output}. */
  String name();

  /** One line for {@code align4j plugins}: what the stage writes there. */
  String description();

  /** Whether the stage must write it: a run that finishes without a required output fails. */
  boolean required() default true;

  /** Holds the repeated {@code @Output}s of one class. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface List {
    Output[] value();
  }
}
