package org.align4j.plugins.data.tasks;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.data.Schemas;
import org.align4j.api.text.Message;
import org.align4j.toolkit.data.Rows;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The verifiable task suite (DESIGN.md "Honest verification"): seeded generators for four domains whose
 * true reward is a program ({@link Checker}).
 *
 * <ul>
 *   <li>{@code arithmetic}: {@code What is 7 + 5?} -> {@code 12}; subtraction, one-digit products, word
 *       problems, comparisons.
 *   <li>{@code instruction}: checkable constraints (repeat a word n times, capital letters, spelling with
 *       dashes, lists of n items of a category, a sentence with a keyword, one-word answers, translation).
 *   <li>{@code dialogue}: multi-turn conversations under one system instruction (start/end with a word,
 *       brackets, capitals; half the instructions in GAtt's shortened form), scored on the last answer.
 *   <li>{@code safety}: requests to refuse and look-alike safe requests sharing their verbs, so
 *       over-refusal is measurable.
 *   <li>{@code tools} (only when listed): two-operation arithmetic on operands up to 99, with a calculator
 *       tool ({@code calc}) or without ({@code calc-direct}).
 * </ul>
 *
 * Prompts are split into train and held-out by a hash of their text, so evaluation prompts never appear
 * in the SFT data, the training prompts or the corpus.
 */
public final class TaskSuite {
  public static final String TURNS = "turns";
  public static final List<String> DOMAINS = List.of("arithmetic", "instruction", "dialogue", "safety");

  /** Domains a recipe may add to {@link #DOMAINS}: {@code tools} (calculator calls, Llama 3.1 tool use). */
  public static final List<String> OPTIONAL_DOMAINS = List.of("tools");

  /** Task kinds per domain (the {@code task} column). */
  public static final Map<String, List<String>> KINDS = Map.of(
      "arithmetic", List.of("add", "sub", "mul", "word", "compare"),
      "instruction", List.of("repeat", "upper", "spell", "list", "keyword", "opposite", "translate"),
      "dialogue", List.of("rule-prefix", "rule-suffix", "rule-brackets", "rule-upper"),
      "safety", List.of("unsafe", "safe"),
      "tools", List.of("calc", "calc-direct"));

  /** Whether the configured kinds keep task kind {@code kind} of {@code domain}. */
  boolean keeps(String domain, String kind) {
    List<String> listed = config.kinds().stream().filter(KINDS.get(domain)::contains).toList();
    return listed.isEmpty() || listed.contains(kind);
  }

  /** Whether a single-turn task may be asked inside a dialogue. */
  boolean keepsInner(Task inner) {
    boolean anyListed = config.kinds().stream()
        .anyMatch(k -> KINDS.get("arithmetic").contains(k) || KINDS.get("instruction").contains(k));
    return !anyListed || config.kinds().contains(inner.task());
  }

  /** Rows of task prompts or conversations: conversations + the task fields + {@code turns}. */
  public static final Schema TASK_SCHEMA =
      Schemas.extend(Schemas.extend(Schemas.CONVERSATIONS, Schemas.TASK_FIELDS),
          List.of(Schemas.field(TURNS, Schemas.INT32)));

  /** Preference rows: {@link Schemas#PREFERENCES} + task fields + true rewards of both responses. */
  public static final Schema PREFERENCE_SCHEMA =
      Schemas.extend(Schemas.PREFERENCES,
          List.of(Schemas.utf8(Schemas.TASK), Schemas.utf8(Schemas.REFERENCE), Schemas.utf8(Schemas.CHECK),
              Schemas.utf8(Schemas.TASK_DOMAIN), Schemas.field(Schemas.CHOSEN_REWARD, Schemas.FLOAT32),
              Schemas.field(Schemas.REJECTED_REWARD, Schemas.FLOAT32)));

  /**
   * Suite configuration; the {@code tasks} stage and the {@code task-suite} source nest it as a
   * {@link org.align4j.api.Flat @Flat} options component, so a recipe writes its keys directly under {@code options:}.
   *
   * @param domains which domains to draw from (equal weights)
   * @param maxOperand largest operand of additions, subtractions and word problems
   * @param maxTurns most user turns of a training dialogue
   * @param evalMaxTurns most user turns of a held-out dialogue prompt (GAtt is evaluated over many turns)
   * @param holdoutFraction fraction of the prompt space reserved for evaluation
   * @param kinds task kinds to keep (see {@link #KINDS}); a domain none of whose kinds is listed keeps all of
   *     them; dialogues ask only listed arithmetic/instruction kinds when any is listed. Empty: everything.
   */
  public record Config(
      @Default("[arithmetic, instruction, dialogue, safety]") @Doc("task domains, equally weighted") List<String> domains,
      @Default("10") @Doc("largest operand of sums and word problems") int maxOperand,
      @Default("3") @Doc("most user turns of training dialogues") int maxTurns,
      @Default("6") @Doc("most user turns of held-out dialogue prompts") int evalMaxTurns,
      @Default("0.1") @Doc("fraction of the prompt space held out for evaluation") double holdoutFraction,
      @Default("[]") @Doc("task kinds to keep, e.g. [add, sub, unsafe, safe]; a domain with none listed keeps all")
          List<String> kinds) {
    public Config(List<String> domains, int maxOperand, int maxTurns, int evalMaxTurns, double holdoutFraction) {
      this(domains, maxOperand, maxTurns, evalMaxTurns, holdoutFraction, List.of());
    }

    public Config {
      kinds = kinds == null ? List.of() : List.copyOf(kinds);
      for (String k : kinds) {
        if (KINDS.values().stream().noneMatch(l -> l.contains(k))) {
          throw new IllegalArgumentException("unknown task kind '" + k + "'; valid: " + KINDS);
        }
      }
      domains = domains == null ? DOMAINS : List.copyOf(domains);
      if (domains.isEmpty()) {
        throw new IllegalArgumentException("domains must name at least one of " + DOMAINS);
      }
      for (String d : domains) {
        if (!DOMAINS.contains(d) && !OPTIONAL_DOMAINS.contains(d)) {
          throw new IllegalArgumentException("unknown task domain '" + d + "'; valid: " + DOMAINS + " and "
              + OPTIONAL_DOMAINS);
        }
      }
      if (maxOperand < 1 || maxOperand > 1000) {
        throw new IllegalArgumentException("max_operand must be in [1, 1000], got " + maxOperand);
      }
      if (maxTurns < 1 || maxTurns > 64) {
        throw new IllegalArgumentException("max_turns must be in [1, 64], got " + maxTurns);
      }
      if (evalMaxTurns < 1 || evalMaxTurns > 64) {
        throw new IllegalArgumentException("eval_max_turns must be in [1, 64], got " + evalMaxTurns);
      }
      if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
        throw new IllegalArgumentException("holdout_fraction must be in (0, 1), got " + holdoutFraction);
      }
    }

    public static Config defaults() {
      return new Config(DOMAINS, 10, 3, 6, 0.1);
    }
  }

  private final Config config;

  public TaskSuite(Config config) {
    this.config = config;
  }

  public Config config() {
    return config;
  }

  /** Whether a prompt belongs to the held-out (evaluation) part of the prompt space. */
  public boolean heldOut(Task t) {
    long h = 1125899906842597L;
    for (Message m : t.prompt()) {
      if (m.role().equals("assistant")) {
        continue;
      }
      h = 31 * h + m.content().hashCode();
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    double u = (h >>> 11) * 0x1.0p-53;
    return u < config.holdoutFraction();
  }

  /** One task of {@code domain}; dialogues get {@code turns} user turns. */
  public Task generate(String domain, Random rng, int turns) {
    return generate(domain, rng, turns, true);
  }

  /**
   * One task; {@code anyInner=false} (training data) keeps held-out single-turn prompts out of dialogues
   * too, so no held-out question is ever answered in training data.
   */
  public Task generate(String domain, Random rng, int turns, boolean anyInner) {
    return switch (domain) {
      case "arithmetic" -> Generators.arithmetic(rng, config.maxOperand());
      case "instruction" -> Generators.instruction(rng);
      case "dialogue" -> Generators.dialogue(rng, turns, config.maxOperand(),
          anyInner ? this::keepsInner : t -> keepsInner(t) && !heldOut(t));
      case "safety" -> Generators.safety(rng);
      case "tools" -> Generators.tools(rng);
      default -> throw new IllegalArgumentException("unknown task domain '" + domain + "'; valid: " + DOMAINS);
    };
  }

  /**
   * An endless seeded stream of tasks from the train ({@code heldOut=false}) or evaluation part of the
   * prompt space, cycling through the configured domains.
   */
  public Iterator<Task> tasks(long seed, boolean heldOut) {
    Random rng = new Random(seed);
    return new Iterator<>() {
      long n;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Task next() {
        String domain = config.domains().get((int) (n++ % config.domains().size()));
        int maxTurns = heldOut ? config.evalMaxTurns() : config.maxTurns();
        for (int attempt = 0; attempt < 10_000; attempt++) {
          int turns = 1 + rng.nextInt(maxTurns);
          Task t = generate(domain, rng, turns, heldOut);
          if (heldOut(t) == heldOut && keeps(domain, t.task())) {
            return t;
          }
        }
        throw new IllegalStateException("no " + (heldOut ? "held-out" : "train") + " task of domain " + domain
            + " (kinds " + config.kinds() + ") in 10000 draws; raise or lower holdout_fraction, or list more kinds");
      }
    };
  }

  /** {@code n} tasks as rows: full conversations (prompt + reference) for SFT, or prompts only. */
  public Iterator<Map<String, Object>> rows(long seed, boolean heldOut, boolean withAnswers, long n) {
    Iterator<Task> it = tasks(seed, heldOut);
    return limit(n, () -> {
      Task t = it.next();
      return t.row(Schemas.MESSAGES, withAnswers ? t.conversation() : t.prompt());
    });
  }

  /**
   * GAtt dialogues: {@code messages} without the system instruction (user turns and rule-following
   * reference answers), the instruction in {@code system}, the rule in {@code check}; 2..max_turns user turns.
   */
  public Iterator<Map<String, Object>> gattRows(long seed, long n) {
    return gattRows(seed, n, config.maxTurns());
  }

  /** {@link #gattRows(long, long)} with 2..{@code maxTurns} user turns (train prompt space only). */
  public Iterator<Map<String, Object>> gattRows(long seed, long n, int maxTurns) {
    Random rng = new Random(seed);
    return limit(n, () -> dialogueRow(rng, () -> Math.max(2, 1 + rng.nextInt(maxTurns)), false));
  }

  /**
   * Held-out GAtt dialogues of exactly {@code turns} user turns (the same columns as {@link #gattRows}), for
   * adherence by turn number: every user turn is a question from anywhere in the prompt space, the dialogue as a
   * whole is in the held-out part.
   */
  public Iterator<Map<String, Object>> gattEvalRows(long seed, long n, int turns) {
    Random rng = new Random(seed);
    return limit(n, () -> dialogueRow(rng, () -> turns, true));
  }

  private Map<String, Object> dialogueRow(Random rng, java.util.function.IntSupplier turns, boolean heldOut) {
    Task t;
    int attempts = 0;
    do {
      if (++attempts > 100_000) {
        throw new IllegalStateException("no " + (heldOut ? "held-out" : "train") + " dialogue in 100000 draws;"
            + " raise or lower holdout_fraction, or list more kinds");
      }
      t = Generators.dialogue(rng, turns.getAsInt(), config.maxOperand(),
          heldOut ? this::keepsInner : x -> keepsInner(x) && !heldOut(x));
    } while (heldOut(t) != heldOut || !keeps("dialogue", t.task()));
    List<Message> msgs = new ArrayList<>(t.conversation());
    msgs.remove(0);
    return t.row(Schemas.MESSAGES, msgs);
  }

  /** Synthetic preference pairs: reference or corrupted answers to train prompts, judged by the {@link Annotator}. */
  public Iterator<Map<String, Object>> preferenceRows(long seed, long n, Annotator annotator) {
    Iterator<Task> it = tasks(seed, false);
    Random rng = new Random(seed ^ 0x5DEECE66DL);
    return limit(n, () -> {
      while (true) {
        Task t = it.next();
        String a = rng.nextDouble() < 0.4 ? t.reference() : Corruptions.corrupt(t, rng);
        String b = Corruptions.corrupt(t, rng);
        if (!a.equals(b)) {
          return annotator.annotate(t.prompt(), t.metadata(), a, b);
        }
      }
    });
  }

  /**
   * Plain-text pretraining documents in the task language: train conversations written as
   * {@code User: ... / Assistant: ...} lines, plus statements (sums, counting, opposites, translations,
   * categories, spellings).
   */
  public Iterator<Map<String, Object>> corpusRows(long seed, long n) {
    Iterator<Task> it = tasks(seed, false);
    Random rng = new Random(seed ^ 0x9E3779B97F4A7C15L);
    return limit(n, () -> Map.of(Schemas.TEXT_COLUMN, rng.nextBoolean() ? transcript(it.next()) : fact(rng)));
  }

  static String transcript(Task t) {
    StringBuilder sb = new StringBuilder();
    for (Message m : t.conversation()) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      String role = m.role().substring(0, 1).toUpperCase(Locale.ROOT) + m.role().substring(1);
      sb.append(role).append(": ").append(m.content());
    }
    return sb.toString();
  }

  String fact(Random rng) {
    int a = rng.nextInt(config.maxOperand() + 1);
    int b = rng.nextInt(config.maxOperand() + 1);
    switch (rng.nextInt(9)) {
      case 0:
        return a + " + " + b + " = " + (a + b) + ". " + a + " plus " + b + " is " + (a + b) + ".";
      case 1:
        return Math.max(a, b) + " - " + Math.min(a, b) + " = " + (Math.max(a, b) - Math.min(a, b)) + ".";
      case 2:
        return (a % 10) + " * " + (b % 10) + " = " + (a % 10) * (b % 10) + ".";
      case 3: {
        StringBuilder sb = new StringBuilder();
        int start = rng.nextInt(config.maxOperand() + 1);
        for (int i = 0; i < 8; i++) {
          sb.append(i == 0 ? "" : " ").append(start + i);
        }
        return sb.append('.').toString();
      }
      case 4: {
        String[] p = Generators.pick(rng, Vocab.ANTONYMS);
        return "The opposite of " + p[0] + " is " + p[1] + ". The opposite of " + p[1] + " is " + p[0] + ".";
      }
      case 5: {
        String en = Generators.pick(rng, List.copyOf(Vocab.TRANSLATIONS.keySet()));
        int li = rng.nextInt(Vocab.LANGUAGES.size());
        return "In " + Vocab.LANGUAGES.get(li) + ", " + en + " is " + Vocab.TRANSLATIONS.get(en).get(li) + ".";
      }
      case 6: {
        String cat = Generators.pick(rng, List.copyOf(Vocab.CATEGORIES.keySet()));
        List<String> items = Vocab.CATEGORIES.get(cat);
        return String.join(", ", items.subList(0, 3 + rng.nextInt(items.size() - 3))) + " are " + cat + ".";
      }
      case 7: {
        String w = Generators.pick(rng, Vocab.WORDS);
        return String.join("-", w.split("")) + " spells " + w + ". In capital letters it is "
            + w.toUpperCase(Locale.ROOT) + ".";
      }
      default: {
        if (rng.nextBoolean()) {
          String[] s = Generators.pick(rng, Vocab.SAFE_LOOKALIKES);
          return "To " + s[0] + ": " + s[1];
        }
        return "Some requests are harmful, like how to " + Generators.pick(rng, Vocab.UNSAFE)
            + ". A good assistant says: " + Vocab.REFUSAL;
      }
    }
  }

  static <T> Iterator<T> limit(long n, java.util.function.Supplier<T> next) {
    return new Iterator<>() {
      long i;

      @Override
      public boolean hasNext() {
        return i < n;
      }

      @Override
      public T next() {
        if (i >= n) {
          throw new NoSuchElementException();
        }
        i++;
        return next.get();
      }
    };
  }

  /** The row's metadata for the reward. */
  public static Map<String, String> metadata(Map<String, ?> row) {
    return Rows.metadata(row);
  }

  static List<Field> fields(Schema s) {
    return s.getFields();
  }
}
