package org.align4j.api.stage;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares one named input of a {@link Stage} on its class, in order; {@link Stage#inputs()} returns them as
 * {@link Port}s. A stage whose inputs depend on run-time values overrides {@link Stage#inputs()} instead.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Repeatable(Input.List.class)
public @interface Input {
  /** The name a recipe binds under {@code inputs:} and the stage reads with {@link StageContext#input}. */
  String name();

  /** One line for {@code align4j plugins}: what the stage expects there. */
  String description();

  /** Whether a recipe must bind it: loading a recipe that leaves a required input unbound is an error. */
  boolean required() default true;

  /** Holds the repeated {@code @Input}s of one class. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface List {
    Input[] value();
  }
}
