package org.align4j.plugins.tokenizers;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.align4j.api.text.Tokenizer;

/** Shared parts: added/special token splitting, bos/eos, a bounded word cache. */
abstract class BaseTokenizer implements Tokenizer {
  private static final int CACHE_LIMIT = 200_000;
  /** Longer words are not cached (as HF tokenizers' BPE cache): bounded memory, no whole documents in the cache. */
  private static final int CACHE_MAX_WORD = 256;

  protected final String source;
  protected AddedTokens added = new AddedTokens(List.of());
  protected final Map<String, Integer> specials = new LinkedHashMap<>();
  protected int bos = -1;
  protected int eos = -1;
  private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

  BaseTokenizer(String source) {
    this.source = source;
  }

  /**
   * Appends the ids of a text segment (no raw-matched added tokens inside). {@code atStart}: it begins the input;
   * {@code parseSpecial}: as in {@link #encode}.
   */
  protected abstract void encodeSegment(String text, boolean atStart, boolean parseSpecial, IntList out);

  protected int[] cached(String word) {
    return word.length() > CACHE_MAX_WORD ? null : cache.get(word);
  }

  protected void cache(String word, int[] ids) {
    if (word.length() <= CACHE_MAX_WORD && cache.size() < CACHE_LIMIT) {
      cache.put(word, ids);
    }
  }

  @Override
  public int[] encode(String text, boolean addBos, boolean addEos, boolean parseSpecial) {
    IntList out = new IntList(text.length() / 3 + 4);
    if (addBos) {
      out.add(requireId(bos, "bos"));
    }
    if (added.isEmpty()) {
      if (!text.isEmpty()) {
        encodeSegment(text, true, parseSpecial, out);
      }
    } else {
      for (AddedTokens.Part p : added.split(text, parseSpecial)) {
        if (p.id() >= 0) {
          out.add(p.id());
        } else {
          encodeSegment(p.text(), p.offset() == 0, parseSpecial, out);
        }
      }
    }
    if (addEos) {
      out.add(requireId(eos, "eos"));
    }
    return out.toArray();
  }

  private int requireId(int id, String what) {
    if (id < 0) {
      throw new org.align4j.api.Align4jException(
          "tokenizer " + source + " defines no " + what + " token; add " + what + "_token to tokenizer_config.json beside it");
    }
    return id;
  }

  @Override
  public String decode(int[] ids) {
    return Utf8.lossyMaximalSubpart(decodeBytes(ids));
  }

  @Override
  public int bosId() {
    return bos;
  }

  @Override
  public int eosId() {
    return eos;
  }

  @Override
  public OptionalInt specialId(String token) {
    Integer id = specials.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  @Override
  public Map<String, Integer> specialTokens() {
    return Collections.unmodifiableMap(specials);
  }

  protected void checkId(int id) {
    if (id < 0 || id >= vocabSize()) {
      throw new IllegalArgumentException("token id " + id + " out of range [0, " + vocabSize() + ") for tokenizer " + source);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return format() + " tokenizer " + source + " (" + vocabSize() + " ids)";
  }
}
