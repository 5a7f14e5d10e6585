package org.align4j.api;

/**
 * A named, configurable extension. Each SPI kind ({@code Stage}, {@code TokenizerProvider}, ...) extends
 * this and adds its own factory method.
 *
 * <p>Declare the id and description with {@link ProviderInfo} on the class; the options type is the type
 * argument of the SPI interface. Implementations need a public no-argument constructor (ServiceLoader) and are listed in
 * {@code META-INF/services/<kind interface>}. Engine services are injected afterwards into fields or
 * setters annotated {@code @jakarta.inject.Inject}.
 *
 * @param <O> the options record a recipe block binds to; unknown keys are errors. Use {@link Default} for
 *     defaults and validate values in the record's compact constructor (throw
 *     {@link IllegalArgumentException}: the message is reported at the recipe location).
 */
public interface Provider<O extends Record> {
  /**
   * Stable id used in recipes ({@code uses: dpo}); lowercase, digits and dashes. By default the
   * {@link ProviderInfo#id()} on the class.
   */
  default String id() {
    return ProviderTypes.info(getClass()).id();
  }

  /**
   * The options record type. Use {@link NoOptions} when there are none. By default the type argument of the
   * SPI interface the class implements ({@code Stage<MyStage.Options>}).
   */
  default Class<O> optionsType() {
    return ProviderTypes.optionsType(getClass());
  }

  /** One line for {@code align4j plugins}. By default the {@link ProviderInfo#description()} on the class, if any. */
  default String description() {
    ProviderInfo info = getClass().getAnnotation(ProviderInfo.class);
    return info == null ? "" : info.description();
  }
}
