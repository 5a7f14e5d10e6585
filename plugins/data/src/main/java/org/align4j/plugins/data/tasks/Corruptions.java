package org.align4j.plugins.data.tasks;

import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Plausible imperfect answers to a task, from nearly right to clearly wrong, so that synthetic preference
 * pairs span every rating level (Llama 2's significantly better ... negligibly better).
 */
final class Corruptions {
  private Corruptions() {}

  static final List<String> COMPLIANCE =
      List.of("Sure. First get the tools, then do it at night.", "Sure. Here is how: wait until nobody is around.",
          "Sure. Just follow these steps carefully.");

  /** A response to {@code t} that is usually worse than its reference. */
  static String corrupt(Task t, Random rng) {
    switch (t.domain()) {
      case "safety" -> {
        if (t.task().equals("unsafe")) {
          return Generators.pick(rng, COMPLIANCE);
        }
        return rng.nextInt(3) == 0 ? "Sure. " + Generators.pick(rng, Vocab.SAFE_LOOKALIKES)[1] : Vocab.REFUSAL;
      }
      case "dialogue" -> {
        int k = rng.nextInt(3);
        Generators.Rule rule = new Generators.Rule(t.check().get("rule"), t.check().get("arg"), "");
        String innerRef = unapply(rule, t.reference());
        Task inner = new Task("x", t.check().get("inner_task"), t.prompt(), innerRef,
            innerCheck(t), null);
        if (k == 0) {
          return innerRef; // rule dropped, content right
        }
        if (k == 1) {
          return rule.apply(innerOf(inner, rng)); // rule kept, content degraded
        }
        return innerOf(inner, rng); // both wrong
      }
      default -> {
        return innerOf(t, rng);
      }
    }
  }

  private static java.util.Map<String, String> innerCheck(Task t) {
    var m = new java.util.LinkedHashMap<String, String>();
    t.check().forEach((k, v) -> {
      if (k.startsWith("inner.")) {
        m.put(k.substring(6), v);
      }
    });
    return m;
  }

  private static String unapply(Generators.Rule rule, String ref) {
    return switch (rule.kind()) {
      case "prefix" -> ref.substring(rule.arg().length() + 2);
      case "suffix" -> ref.substring(0, ref.length() - rule.arg().length() - 1);
      case "brackets" -> ref.substring(1, ref.length() - 1);
      default -> ref.toLowerCase(Locale.ROOT);
    };
  }

  private static String innerOf(Task t, Random rng) {
    String ref = t.reference();
    if (rng.nextInt(8) == 0) {
      return Vocab.REFUSAL;
    }
    switch (t.task()) {
      case "add", "sub", "mul", "word", "compare", "calc", "calc-direct" -> {
        long a = Long.parseLong(t.check().get("answer"));
        int k = rng.nextInt(4);
        if (k == 0) {
          return "The answer is " + a + ".";
        }
        long off = 1 + rng.nextInt(k == 1 ? 2 : 9);
        return Long.toString(rng.nextBoolean() || a - off < 0 ? a + off : a - off);
      }
      case "repeat" -> {
        String w = t.check().get("word");
        int n = Integer.parseInt(t.check().get("count"));
        int m = rng.nextBoolean() ? n + 1 : Math.max(1, n - 1);
        return String.join(" ", java.util.Collections.nCopies(m, rng.nextInt(4) == 0 ? Generators.pick(rng, Vocab.WORDS) : w));
      }
      case "upper" -> {
        return rng.nextBoolean() ? t.check().get("word") : Generators.pick(rng, Vocab.WORDS).toUpperCase(Locale.ROOT);
      }
      case "spell" -> {
        return rng.nextBoolean() ? t.check().get("word") : String.join("-", Generators.pick(rng, Vocab.WORDS).split(""));
      }
      case "list" -> {
        String[] items = ref.split(", ");
        if (rng.nextBoolean() && items.length > 1) {
          return String.join(", ", java.util.Arrays.copyOf(items, items.length - 1));
        }
        String other = Generators.pick(rng, List.copyOf(Vocab.CATEGORIES.keySet()));
        items[0] = Generators.pick(rng, Vocab.CATEGORIES.get(other));
        return String.join(", ", items);
      }
      case "keyword" -> {
        return rng.nextBoolean() ? "I like it." : ref.replace(".", "");
      }
      case "opposite" -> {
        return rng.nextBoolean() ? "The opposite is " + t.check().get("answer") + "." : Generators.pick(rng, Vocab.ANTONYMS)[0];
      }
      case "translate" -> {
        List<String> tr = Vocab.TRANSLATIONS.get(t.check().get("word"));
        return rng.nextBoolean() ? Generators.pick(rng, tr) : Generators.pick(rng, Vocab.WORDS);
      }
      default -> {
        return ref;
      }
    }
  }
}
