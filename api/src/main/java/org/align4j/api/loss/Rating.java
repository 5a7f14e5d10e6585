package org.align4j.api.loss;

import java.util.Locale;

/**
 * How much better the chosen response is, as annotators rate it (Llama 2, Table 27; Llama 3 calls the last
 * level "marginally better"). The preferences schema stores it as the lower-case name.
 */
public enum Rating {
  SIGNIFICANTLY_BETTER,
  BETTER,
  SLIGHTLY_BETTER,
  NEGLIGIBLY_BETTER;

  /** The name used in datasets and options ({@code significantly_better}, ...). */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a rating: the four keys, case-insensitive, with spaces or dashes for underscores; {@code
   * marginally_better} and {@code unsure} mean {@link #NEGLIGIBLY_BETTER}.
   *
   * @throws IllegalArgumentException naming the valid values
   */
  public static Rating parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("rating is missing; expected one of " + validKeys());
    }
    String k = text.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    switch (k) {
      case "significantly_better":
        return SIGNIFICANTLY_BETTER;
      case "better":
        return BETTER;
      case "slightly_better":
        return SLIGHTLY_BETTER;
      case "negligibly_better":
      case "marginally_better":
      case "unsure":
      case "negligibly_better_unsure":
        return NEGLIGIBLY_BETTER;
      default:
        throw new IllegalArgumentException("unknown rating '" + text + "'; expected one of " + validKeys());
    }
  }

  /** The valid keys, for messages. */
  public static String validKeys() {
    return "significantly_better, better, slightly_better, negligibly_better (alias marginally_better, unsure)";
  }
}
