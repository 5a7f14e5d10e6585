package org.align4j.api;

import java.util.Map;

/**
 * A nested provider inside another provider's options, written in a recipe as
 * {@code loss: {uses: ranking, margin: small}}. Annotate the record component with
 * {@link ComponentKind} so that validation checks the id and the options against the right kind.
 *
 * <p>A reference read from a recipe carries its options already bound to the provider's options record
 * ({@link #boundOptions()}), so they are checked once, at recipe validation, with the recipe's file:line:column;
 * {@link Components#resolve} uses that record as it is. A reference made in code ({@link #of}, the two-argument
 * constructor) has none: its options are bound when it is resolved.
 *
 * @param uses the provider id
 * @param options the remaining keys as written (plain values)
 * @param boundOptions {@code options} bound to the provider's options record at recipe validation; null for a
 *     reference made in code or one whose kind is not declared
 */
public record ComponentRef(String uses, Map<String, Object> options, Record boundOptions) {
  public ComponentRef {
    options = options == null ? Map.of() : Map.copyOf(options);
  }

  /** A reference made in code; its options are bound when it is resolved. */
  public ComponentRef(String uses, Map<String, Object> options) {
    this(uses, options, null);
  }

  public static ComponentRef of(String uses) {
    return new ComponentRef(uses, Map.of());
  }
}
