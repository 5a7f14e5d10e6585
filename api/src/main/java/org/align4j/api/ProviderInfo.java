package org.align4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a provider's {@link Provider#id() id} and {@link Provider#description() description} on its
 * class, so the class writes neither method:
 *
 * <pre>{@code
 * @ProviderInfo(id = "count-words", description = "counts the words of a text file")
 * public final class CountWordsStage implements Stage<CountWordsStage.Options> { ... }
 * }</pre>
 *
 * The options type comes from the type argument of the SPI interface ({@code Stage<CountWordsStage.Options>}).
 * A provider that computes its id at run time overrides {@link Provider#id()} instead.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ProviderInfo {
  /** Stable id used in recipes ({@code uses: dpo}); lowercase, digits and dashes. */
  String id();

  /** One line for {@code align4j plugins}. */
  String description() default "";
}
