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
  String name();

  String description();

  /** Whether a recipe must bind it ({@link Port#required()}). */
  boolean required() default true;

  /** Holds the repeated {@code @Output}s of one class. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface List {
    Output[] value();
  }
}
