package org.align4j.api;

import java.util.Map;

/**
 * A nested provider inside another provider's options, written in a recipe as
 * {@code loss: {uses: ranking, margin: small}}. Annotate the record component with
 * {@link ComponentKind} so that validation checks the id and the options against the right kind.
 *
 * @param uses the provider id
 * @param options the remaining keys, bound to that provider's options record at validation
 */
public record ComponentRef(String uses, Map<String, Object> options) {
  public ComponentRef {
    options = options == null ? Map.of() : Map.copyOf(options);
  }

  public static ComponentRef of(String uses) {
    return new ComponentRef(uses, Map.of());
  }
}
