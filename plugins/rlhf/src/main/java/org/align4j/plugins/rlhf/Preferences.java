package org.align4j.plugins.rlhf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.align4j.api.Align4jException;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.data.RowStream;
import org.align4j.api.data.Schemas;
import org.align4j.api.loss.Rating;
import org.align4j.api.text.ChatFormat;
import org.align4j.api.text.MaskPolicy;
import org.align4j.api.text.Message;
import org.align4j.api.text.RenderedChat;
import org.align4j.api.text.Tokenizer;
import org.align4j.toolkit.data.Rows;

/**
 * Preference rows (DESIGN.md schema: {@code prompt} conversation, {@code chosen}, {@code rejected}, optional
 * {@code edited}, {@code rating}, {@code domain}) read, filtered and rendered with a chat format.
 */
final class Preferences {
  private Preferences() {}

  /**
   * One preference row.
   *
   * @param row index of the row in its dataset
   * @param prompt the conversation up to the user turn
   * @param responses best first: [edited,] chosen, rejected
   * @param chosenIndex index of the annotated chosen response in {@code responses} (1 when edited is first)
   * @param rating how much better chosen is than rejected, or null when the row has none
   * @param domain helpfulness | safety | null
   * @param task the task-suite task of the prompt, or null
   * @param trueGap the true reward of chosen minus that of rejected where the rows carry them (the task suite's
   *     annotator writes both), else NaN: lets evaluation score a reward model against the truth, not the labels
   */
  record Pair(long row, List<Message> prompt, List<String> responses, int chosenIndex, Rating rating, String domain,
      String task, double trueGap) {
    Pair(long row, List<Message> prompt, List<String> responses, int chosenIndex, Rating rating, String domain) {
      this(row, prompt, responses, chosenIndex, rating, domain, null, Double.NaN);
    }

    String chosen() {
      return responses.get(chosenIndex);
    }

    String rejected() {
      return responses.get(responses.size() - 1);
    }
  }

  /**
   * A pair rendered to ids: the prompt's ids, then each response's ids (what follows the prompt in the rendering of
   * prompt + response, termination token included) with its loss mask.
   */
  record Encoded(Pair pair, int[] prompt, int[][] responses, byte[][] masks) {
    int chosen() {
      return pair.chosenIndex();
    }

    int rejected() {
      return responses.length - 1;
    }

    /** prompt followed by response {@code j}. */
    int[] sequence(int j) {
      int[] r = responses[j];
      int[] all = Arrays.copyOf(prompt, prompt.length + r.length);
      System.arraycopy(r, 0, all, prompt.length, r.length);
      return all;
    }

    /** Loss mask over {@link #sequence(int)}: 0 on the prompt, the chat format's mask on the response. */
    byte[] sequenceMask(int j) {
      byte[] m = new byte[prompt.length + responses[j].length];
      System.arraycopy(masks[j], 0, m, prompt.length, masks[j].length);
      return m;
    }

    int longest() {
      int n = 0;
      for (int[] r : responses) {
        n = Math.max(n, prompt.length + r.length);
      }
      return n;
    }

    int sharedLength() {
      int n = prompt.length;
      for (int[] r : responses) {
        n += r.length;
      }
      return n;
    }
  }

  /** Which rows to keep. {@code ratings}/{@code domains} null or empty: all. */
  record Filter(Set<Rating> ratings, Set<String> domains, boolean useEdited, boolean requireRating, int limit) {}

  /** Rows read and the rows a filter left out, by reason. */
  record Loaded(List<Pair> pairs, Map<String, Long> dropped) {}

  static Loaded read(DatasetStore store, Path file, Filter f) throws IOException {
    List<Pair> out = new ArrayList<>();
    Map<String, Long> dropped = new LinkedHashMap<>();
    long index = 0;
    try (RowStream rows = store.rows(file)) {
      if (rows.schema().getFields().isEmpty() && !rows.hasNext()) {
        return new Loaded(out, dropped); // an empty file has no columns; the stage says it is empty
      }
      for (String col : List.of(Schemas.PROMPT, Schemas.CHOSEN, Schemas.REJECTED)) {
        if (!Schemas.has(rows.schema(), col)) {
          throw new Align4jException(file + ": no column '" + col + "'; a preferences dataset needs prompt"
              + " (list<struct<role, content>>), chosen and rejected (utf8) — convert it with the data stage or"
              + " `align4j data convert`");
        }
      }
      while (rows.hasNext() && (f.limit() <= 0 || out.size() < f.limit())) {
        Map<String, Object> row = rows.next();
        long at = index++;
        List<Message> prompt;
        try {
          prompt = Rows.messages(row.get(Schemas.PROMPT));
        } catch (RuntimeException e) {
          throw new Align4jException(file + ": row " + at + ": field 'prompt': " + e.getMessage());
        }
        if (prompt == null || prompt.isEmpty()) {
          throw new Align4jException(file + ": row " + at + ": field 'prompt' is empty; it must hold the conversation"
              + " up to the user turn");
        }
        String chosen = text(row, Schemas.CHOSEN, file, at, true);
        String rejected = text(row, Schemas.REJECTED, file, at, true);
        String edited = text(row, Schemas.EDITED, file, at, false);
        String ratingText = text(row, Schemas.RATING, file, at, false);
        String domain = text(row, Schemas.DOMAIN, file, at, false);
        Rating rating = null;
        if (ratingText != null && !ratingText.isBlank()) {
          try {
            rating = Rating.parse(ratingText);
          } catch (IllegalArgumentException e) {
            throw new Align4jException(file + ": row " + at + ": field 'rating': " + e.getMessage());
          }
        }
        if (rating == null && f.requireRating()) {
          throw new Align4jException(file + ": row " + at + ": field 'rating' is missing, and the loss needs a rating"
              + " per row (its margin depends on it); fill the column or use a margin-free loss (margin: none,"
              + " ranking-multi)");
        }
        if (f.ratings() != null && !f.ratings().isEmpty() && (rating == null || !f.ratings().contains(rating))) {
          dropped.merge("rating " + (rating == null ? "missing" : rating.key()), 1L, Long::sum);
          continue;
        }
        if (f.domains() != null && !f.domains().isEmpty() && (domain == null || !f.domains().contains(domain))) {
          dropped.merge("domain " + domain, 1L, Long::sum);
          continue;
        }
        List<String> responses = new ArrayList<>();
        int chosenIndex = 0;
        if (f.useEdited() && edited != null && !edited.isBlank() && !edited.equals(chosen)) {
          responses.add(edited);
          chosenIndex = 1;
        }
        responses.add(chosen);
        responses.add(rejected);
        out.add(new Pair(at, prompt, List.copyOf(responses), chosenIndex, rating, domain,
            text(row, Schemas.TASK, file, at, false), trueGap(row)));
      }
    }
    return new Loaded(out, dropped);
  }

  private static double trueGap(Map<String, Object> row) {
    return row.get(Schemas.CHOSEN_REWARD) instanceof Number c && row.get(Schemas.REJECTED_REWARD) instanceof Number r
        ? c.doubleValue() - r.doubleValue() : Double.NaN;
  }

  private static String text(Map<String, Object> row, String col, Path file, long at, boolean required) {
    Object v = row.get(col);
    if (v == null) {
      if (required) {
        throw new Align4jException(file + ": row " + at + ": field '" + col + "' is missing (null); every preference"
            + " row needs prompt, chosen and rejected");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new Align4jException(file + ": row " + at + ": field '" + col + "' must be a string, got "
          + v.getClass().getSimpleName());
    }
    return s;
  }

  /** Renders a pair; the prompt's rendering must be a prefix of each prompt + response rendering. */
  static Encoded encode(Pair p, ChatFormat format, Tokenizer tok, MaskPolicy policy) {
    int[] prompt = format.renderPrompt(p.prompt(), tok);
    int k = p.responses().size();
    int[][] responses = new int[k][];
    byte[][] masks = new byte[k][];
    for (int j = 0; j < k; j++) {
      List<Message> conv = new ArrayList<>(p.prompt());
      conv.add(Message.assistant(p.responses().get(j)));
      RenderedChat r = format.render(conv, tok, policy);
      int[] ids = r.ids();
      if (ids.length <= prompt.length || !Arrays.equals(ids, 0, prompt.length, prompt, 0, prompt.length)) {
        throw new Align4jException("row " + p.row() + ": the chat format's prompt rendering is not a prefix of the"
            + " prompt + response rendering; cannot split the response off (chat format bug)");
      }
      responses[j] = Arrays.copyOfRange(ids, prompt.length, ids.length);
      masks[j] = Arrays.copyOfRange(r.lossMask(), prompt.length, ids.length);
    }
    return new Encoded(p, prompt, responses, masks);
  }

  /** A seeded split: the first part is held out (evaluation), the rest trains. Order within each part is the input's. */
  static <T> List<List<T>> split(List<T> all, double heldOut, long seed) {
    int n = all.size();
    int held = (int) Math.round(n * heldOut);
    if (heldOut > 0 && held == 0 && n > 1) {
      held = 1;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random r = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      Integer t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    boolean[] isHeld = new boolean[n];
    for (int i = 0; i < held; i++) {
      isHeld[order[i]] = true;
    }
    List<T> eval = new ArrayList<>();
    List<T> train = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      (isHeld[i] ? eval : train).add(all.get(i));
    }
    return List.of(eval, train);
  }

  /** Parses rating names for a filter; an IllegalArgumentException naming the valid ones. */
  static Set<Rating> ratings(List<String> names) {
    var out = java.util.EnumSet.noneOf(Rating.class);
    if (names != null) {
      for (String n : names) {
        out.add(Rating.parse(n));
      }
    }
    return out;
  }
}
