package org.align4j.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Says which provider kind a {@link ComponentRef} option refers to (e.g. {@code PreferenceLossProvider.class}). */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD})
public @interface ComponentKind {
  @SuppressWarnings("rawtypes")
  Class<? extends Provider> value();
}
