package org.align4j.core.inject;

import java.util.Map;

/**
 * The recipe defaults that engine services are built from.
 *
 * @param device {@code cpu}, {@code cuda}, {@code cuda:<n>}
 * @param threads libtorch intra-op threads (0: the machine's cores)
 * @param seed the recipe seed
 * @param dtype {@code float32}, {@code bfloat16}, {@code float16}
 * @param defaults every default, as resolved
 */
public record RunSettings(String device, int threads, long seed, String dtype, Map<String, Object> defaults) {
  public static RunSettings of(Map<String, Object> d) {
    Object t = d.get("threads");
    Object s = d.get("seed");
    return new RunSettings(String.valueOf(d.getOrDefault("device", "cpu")),
        t instanceof Number n ? n.intValue() : 0,
        s instanceof Number n ? n.longValue() : 17L,
        String.valueOf(d.getOrDefault("dtype", "float32")),
        Map.copyOf(d));
  }
}
