/**
 * The align4j SPI: the only module a third-party plugin compiles against.
 *
 * <p>Every extension point is a {@link org.align4j.api.Provider} found by {@link java.util.ServiceLoader}:
 * a stable {@code id}, a typed options record that a recipe block binds to, and the kind's own factory
 * method. Providers receive engine services ({@link org.align4j.api.engine}) through
 * {@code @jakarta.inject.Inject} fields or setters; they never reach into core internals.
 *
 * <p>Helpers that plugins reuse (the Arrow row codec, attention masks, log-prob and masked reductions) are
 * in the separate {@code align4j-toolkit} module ({@code org.align4j.toolkit}); this module holds contracts
 * only: interfaces, option records, annotations, the value types the SPI passes and the schema conventions.
 *
 * <p><b>Stability:</b> version 0.x. The interfaces may still change before 1.0, when they will be frozen.
 */
package org.align4j.api;
