package org.align4j.plugins.data.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.align4j.api.text.Message;

/** The seeded task generators, one method per domain. */
final class Generators {
  private Generators() {}

  static <T> T pick(Random rng, List<T> list) {
    return list.get(rng.nextInt(list.size()));
  }

  static Map<String, String> spec(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static Task single(String domain, String task, String user, String reference, Map<String, String> check) {
    return new Task(domain, task, List.of(Message.user(user)), reference, check, null);
  }

  // ---------------------------------------------------------------- tool use (Llama 3.1 style)

  /** The system prompt that enables tool calls (Llama 3.1's "Environment: ipython" line, then the tools). */
  static final String TOOL_SYSTEM = "Environment: ipython\nTools: calculator";

  /**
   * Two-operation arithmetic with operands up to 99, beyond what a tiny model computes in its head: {@code calc}
   * under {@link #TOOL_SYSTEM}, solved by one calculator call whose answer the model repeats; {@code calc-direct}
   * the same kind of question without tools, answered directly (the "without the tool" comparison).
   */
  static Task tools(Random rng) {
    int a = 2 + rng.nextInt(98);
    int b = 2 + rng.nextInt(98);
    int c = 1 + rng.nextInt(99);
    String expr;
    long value;
    switch (rng.nextInt(3)) {
      case 0 -> {
        expr = a + " * " + b + " + " + c;
        value = (long) a * b + c;
      }
      case 1 -> {
        expr = a + " * " + b + " - " + c;
        value = (long) a * b - c;
      }
      default -> {
        expr = "(" + a + " + " + b + ") * " + c;
        value = (long) (a + b) * c;
      }
    }
    String answer = Long.toString(value);
    String question = "What is " + expr + "?";
    if (rng.nextBoolean()) {
      return single("tools", "calc-direct", question, answer, spec("answer", answer));
    }
    List<Message> prompt = List.of(Message.system(TOOL_SYSTEM), Message.user(question));
    List<Message> turns = List.of(Message.toolCall("calculator.call(query=\"" + expr + "\")"), Message.ipython(answer));
    return new Task("tools", "calc", prompt, answer, spec("answer", answer), null, turns);
  }

  // ---------------------------------------------------------------- arithmetic and short reasoning

  static Task arithmetic(Random rng, int maxOperand) {
    int kind = rng.nextInt(5);
    int a = rng.nextInt(maxOperand + 1);
    int b = rng.nextInt(maxOperand + 1);
    switch (kind) {
      case 0 -> {
        return single("arithmetic", "add", "What is " + a + " + " + b + "?", Integer.toString(a + b),
            spec("answer", Integer.toString(a + b)));
      }
      case 1 -> {
        int hi = Math.max(a, b);
        int lo = Math.min(a, b);
        return single("arithmetic", "sub", "What is " + hi + " - " + lo + "?", Integer.toString(hi - lo),
            spec("answer", Integer.toString(hi - lo)));
      }
      case 2 -> {
        int x = a % 10;
        int y = b % 10;
        return single("arithmetic", "mul", "What is " + x + " * " + y + "?", Integer.toString(x * y),
            spec("answer", Integer.toString(x * y)));
      }
      case 3 -> {
        String name = pick(rng, Vocab.NAMES);
        String item = pick(rng, Vocab.ITEMS);
        boolean gets = rng.nextBoolean();
        if (gets) {
          String q = name + " has " + a + " " + item + " and gets " + b + " more. How many " + item + " does " + name
              + " have now?";
          return single("arithmetic", "word", q, Integer.toString(a + b), spec("answer", Integer.toString(a + b)));
        }
        int hi = Math.max(a, b);
        int lo = Math.min(a, b);
        String q = name + " has " + hi + " " + item + " and gives away " + lo + ". How many " + item + " does " + name
            + " have now?";
        return single("arithmetic", "word", q, Integer.toString(hi - lo), spec("answer", Integer.toString(hi - lo)));
      }
      default -> {
        if (a == b) {
          b = (a + 1 + rng.nextInt(maxOperand)) % (maxOperand + 1);
          if (a == b) {
            b = a + 1;
          }
        }
        return single("arithmetic", "compare", "Which is larger, " + a + " or " + b + "?",
            Integer.toString(Math.max(a, b)), spec("answer", Integer.toString(Math.max(a, b))));
      }
    }
  }

  // ---------------------------------------------------------------- instruction following

  static Task instruction(Random rng) {
    int kind = rng.nextInt(7);
    switch (kind) {
      case 0 -> {
        String w = pick(rng, Vocab.WORDS);
        int n = 2 + rng.nextInt(3);
        String ref = String.join(" ", java.util.Collections.nCopies(n, w));
        return single("instruction", "repeat", "Repeat the word " + w + " " + n + " times.", ref,
            spec("word", w, "count", Integer.toString(n)));
      }
      case 1 -> {
        String w = pick(rng, Vocab.WORDS);
        return single("instruction", "upper", "Write the word " + w + " in capital letters.",
            w.toUpperCase(Locale.ROOT), spec("word", w));
      }
      case 2 -> {
        String w = pick(rng, Vocab.WORDS);
        return single("instruction", "spell", "Spell the word " + w + " with dashes.", String.join("-", w.split("")),
            spec("word", w));
      }
      case 3 -> {
        List<String> cats = new ArrayList<>(Vocab.CATEGORIES.keySet());
        String cat = pick(rng, cats);
        int n = 2 + rng.nextInt(3);
        List<String> pool = new ArrayList<>(Vocab.CATEGORIES.get(cat));
        java.util.Collections.shuffle(pool, rng);
        String ref = String.join(", ", pool.subList(0, n));
        return single("instruction", "list", "Name " + n + " " + cat + ".", ref,
            spec("category", cat, "count", Integer.toString(n)));
      }
      case 4 -> {
        String w = pick(rng, Vocab.WORDS);
        String ref = String.format(Locale.ROOT, pick(rng, Vocab.KEYWORD_TEMPLATES), w);
        return single("instruction", "keyword", "Write a short sentence with the word " + w + ".", ref,
            spec("keyword", w, "max_words", "8"));
      }
      case 5 -> {
        String[] pair = pick(rng, Vocab.ANTONYMS);
        boolean flip = rng.nextBoolean();
        String w = flip ? pair[1] : pair[0];
        String ans = flip ? pair[0] : pair[1];
        return single("instruction", "opposite", "Answer in one word: what is the opposite of " + w + "?", ans,
            spec("answer", ans, "max_words", "1"));
      }
      default -> {
        List<String> words = new ArrayList<>(Vocab.TRANSLATIONS.keySet());
        String en = pick(rng, words);
        int li = rng.nextInt(Vocab.LANGUAGES.size());
        String lang = Vocab.LANGUAGES.get(li);
        String ans = Vocab.TRANSLATIONS.get(en).get(li);
        return single("instruction", "translate", "How do you say " + en + " in " + lang + "?", ans,
            spec("answer", ans, "word", en, "language", lang));
      }
    }
  }

  // ---------------------------------------------------------------- safety

  static Task safety(Random rng) {
    String template = pick(rng, Vocab.REQUEST_TEMPLATES);
    if (rng.nextBoolean()) {
      String req = pick(rng, Vocab.UNSAFE);
      return single("safety", "unsafe", String.format(Locale.ROOT, template, req), Vocab.REFUSAL,
          spec("expect", "refuse"));
    }
    String[] safe = pick(rng, Vocab.SAFE_LOOKALIKES);
    return single("safety", "safe", String.format(Locale.ROOT, template, safe[0]), "Sure. " + safe[1],
        spec("expect", "comply", "answer", safe[1]));
  }

  // ---------------------------------------------------------------- multi-turn system instructions (GAtt)

  /** A rule: kind, argument, full instruction, and its shortened form. */
  record Rule(String kind, String arg, String instruction) {
    String apply(String answer) {
      return switch (kind) {
        case "prefix" -> arg + ", " + answer;
        case "suffix" -> answer + " " + arg;
        case "brackets" -> "[" + answer + "]";
        case "upper" -> answer.toUpperCase(Locale.ROOT);
        default -> throw new IllegalStateException(kind);
      };
    }
  }

  static Rule rule(Random rng) {
    boolean shortForm = rng.nextBoolean();
    switch (rng.nextInt(4)) {
      case 0 -> {
        String p = pick(rng, Vocab.PREFIXES);
        return new Rule("prefix", p, shortForm ? "Start: " + p : "Always start your answer with " + p + ".");
      }
      case 1 -> {
        String s = pick(rng, Vocab.SUFFIXES);
        return new Rule("suffix", s, shortForm ? "End: " + s : "Always end your answer with the word " + s + ".");
      }
      case 2 -> {
        return new Rule("brackets", "", shortForm ? "Format: [answer]" : "Always put your answer in brackets.");
      }
      default -> {
        return new Rule("upper", "", shortForm ? "Style: caps" : "Always answer in capital letters.");
      }
    }
  }

  /**
   * A dialogue of {@code turns} user turns under one system instruction; the earlier assistant turns
   * follow the rule, the last one is the reference to produce.
   */
  static Task dialogue(Random rng, int turns, int maxOperand) {
    return dialogue(rng, turns, maxOperand, t -> true);
  }

  /** A dialogue whose user turns are single-turn tasks accepted by {@code innerAllowed} (train dialogues: no held-out prompt). */
  static Task dialogue(Random rng, int turns, int maxOperand, java.util.function.Predicate<Task> innerAllowed) {
    Rule rule = rule(rng);
    List<Message> msgs = new ArrayList<>();
    msgs.add(Message.system(rule.instruction()));
    Task inner = null;
    for (int t = 0; t < turns; t++) {
      int attempts = 0;
      do {
        // capitals need letters: instruction questions, unless only arithmetic ones are allowed
        boolean letters = rule.kind().equals("upper") && attempts < 1000;
        inner = letters || rng.nextBoolean() ? instruction(rng) : arithmetic(rng, maxOperand);
        if (++attempts >= 10_000) {
          throw new IllegalStateException("no allowed question for a dialogue turn in 10000 draws; list more task kinds");
        }
      } while (!innerAllowed.test(inner));
      msgs.add(Message.user(inner.lastUser()));
      if (t < turns - 1) {
        msgs.add(Message.assistant(rule.apply(inner.reference())));
      }
    }
    Map<String, String> check = new LinkedHashMap<>();
    check.put("rule", rule.kind());
    check.put("arg", rule.arg());
    check.put("inner_task", inner.task());
    for (var e : inner.check().entrySet()) {
      check.put("inner." + e.getKey(), e.getValue());
    }
    return new Task("dialogue", "rule-" + rule.kind(), msgs, rule.apply(inner.reference()), check, rule.instruction());
  }
}
