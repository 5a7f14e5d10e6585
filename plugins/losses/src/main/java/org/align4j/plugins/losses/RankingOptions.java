package org.align4j.plugins.losses;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.align4j.api.Doc;
import org.align4j.api.loss.Rating;

/**
 * Options of {@code ranking}.
 *
 * @param margin a named margin table: {@code small} (1, 2/3, 1/3, 0), {@code large} (3, 2, 1, 0) or
 *     {@code none}, for significantly better / better / slightly better / negligibly better (Llama 2, Table
 *     27). Default {@code small}; leave it out (or write {@code custom}) when {@code margins} is given.
 * @param margins an explicit table: a margin (&gt;= 0) for each of the four ratings
 */
public record RankingOptions(
    @Doc("margin table: small (1, 2/3, 1/3, 0), large (3, 2, 1, 0) or none, for significantly_better/better/"
        + "slightly_better/negligibly_better; default small; leave out when margins is given") String margin,
    @Doc("explicit margin per rating, e.g. {significantly_better: 1, better: 0.5, slightly_better: 0.25,"
        + " negligibly_better: 0}; all four levels required") Map<String, Double> margins) {

  public RankingOptions {
    if (margins != null) {
      if (margin != null && !margin.equals("custom")) {
        throw new IllegalArgumentException("give either margin (a table name) or margins (an explicit table), not"
            + " both; got margin: " + margin);
      }
      margin = "custom";
      Map<String, Double> copy = new LinkedHashMap<>();
      for (var e : margins.entrySet()) {
        Rating r;
        try {
          r = Rating.parse(e.getKey());
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("margins has an unknown rating '" + e.getKey() + "'; expected "
              + "significantly_better, better, slightly_better, negligibly_better");
        }
        Double v = e.getValue();
        if (v == null || !Double.isFinite(v) || v < 0) {
          throw new IllegalArgumentException("margins." + e.getKey() + " must be a number >= 0, got " + v);
        }
        if (copy.put(r.key(), v) != null) {
          throw new IllegalArgumentException("margins gives " + r.key() + " twice");
        }
      }
      for (Rating r : Rating.values()) {
        if (!copy.containsKey(r.key())) {
          throw new IllegalArgumentException("margins is missing rating level " + r.key()
              + "; give all four: significantly_better, better, slightly_better, negligibly_better");
        }
      }
      margins = Collections.unmodifiableMap(copy);
    } else {
      margin = margin == null ? "small" : margin.trim().toLowerCase(Locale.ROOT);
      if (!margin.equals("small") && !margin.equals("large") && !margin.equals("none")) {
        throw new IllegalArgumentException("unknown margin table '" + margin + "'; expected small, large or none"
            + " (or an explicit margins: {significantly_better: .., better: .., slightly_better: ..,"
            + " negligibly_better: ..})");
      }
    }
  }

  /** Llama 2's small margins: 1, 2/3, 1/3, 0. */
  public static final double[] SMALL = {1.0, 2.0 / 3.0, 1.0 / 3.0, 0.0};

  /** Llama 2's large margins: 3, 2, 1, 0. */
  public static final double[] LARGE = {3.0, 2.0, 1.0, 0.0};

  /** The margin per rating, or {@code null} for {@code none}. */
  public Map<Rating, Double> table() {
    double[] named;
    switch (margin) {
      case "none":
        return null;
      case "small":
        named = SMALL;
        break;
      case "large":
        named = LARGE;
        break;
      default:
        Map<Rating, Double> t = new EnumMap<>(Rating.class);
        margins.forEach((k, v) -> t.put(Rating.parse(k), v));
        return t;
    }
    Map<Rating, Double> t = new EnumMap<>(Rating.class);
    for (Rating r : Rating.values()) {
      t.put(r, named[r.ordinal()]);
    }
    return t;
  }
}
