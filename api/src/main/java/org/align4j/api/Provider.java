package org.align4j.api;

/**
 * A named, configurable extension. Each SPI kind ({@code Stage}, {@code TokenizerProvider}, ...) extends
 * this and adds its own factory method.
 *
 * <p>Implementations need a public no-argument constructor (ServiceLoader) and are listed in
 * {@code META-INF/services/<kind interface>}. Engine services are injected afterwards into fields or
 * setters annotated {@code @jakarta.inject.Inject}.
 *
 * @param <O> the options record a recipe block binds to; unknown keys are errors. Use {@link Default} for
 *     defaults and validate values in the record's compact constructor (throw
 *     {@link IllegalArgumentException}: the message is reported at the recipe location).
 */
public interface Provider<O extends Record> {
  /** Stable id used in recipes ({@code uses: dpo}); lowercase, digits and dashes. */
  String id();

  /** The options record type. Use {@link NoOptions} when there are none. */
  Class<O> optionsType();

  /** One line for {@code align4j plugins}. */
  default String description() {
    return "";
  }
}
