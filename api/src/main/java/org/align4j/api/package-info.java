/**
 * The align4j SPI: the only module a third-party plugin compiles against.
 *
 * <p>Every extension point is a {@link org.align4j.api.Provider} found by {@link java.util.ServiceLoader}:
 * a stable {@code id}, a typed options record that a recipe block binds to, and the kind's own factory
 * method. Providers receive engine services ({@link org.align4j.api.engine}) through
 * {@code @jakarta.inject.Inject} fields or setters; they never reach into core internals.
 *
 * <p><b>Stability:</b> version 0.x. The interfaces may still change while the engine, tokenizers, data
 * layer and losses land; they will be frozen at 1.0.
 */
package org.align4j.api;
