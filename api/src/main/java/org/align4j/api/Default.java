package org.align4j.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Default for an options record component when the recipe omits it, written as YAML
 * ({@code @Default("0.1")}, {@code @Default("[1, 2]")}, {@code @Default("{uses: ranking}")}).
 * A component without a default and without a value is {@code null} (boxed types, records, lists),
 * or an error "missing required option" when its type is primitive.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD})
public @interface Default {
  String value();
}
