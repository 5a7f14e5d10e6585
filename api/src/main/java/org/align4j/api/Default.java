package org.align4j.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Default for an options record component when the recipe omits it, written as YAML
 * ({@code @Default("0.1")}, {@code @Default("[1, 2]")}, {@code @Default("{uses: ranking}")}).
 * A component without a default and without a value is {@code null} (boxed types, lists, component
 * references), or an error "missing required option" when its type is primitive.
 *
 * <p>On a component whose type is an options record (a stage's {@code optimizer}), the default is a block
 * that may name only some keys ({@code @Default("{lr: 2.0e-5, warmup_ratio: 0.03}")}): the record's own
 * defaults fill the others, and the keys a recipe gives replace those of the block one by one.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD})
public @interface Default {
  String value();
}
