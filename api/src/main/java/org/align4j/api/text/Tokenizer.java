package org.align4j.api.text;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A loaded tokenizer. Exact: the same ids as the reference implementation of its format.
 * Thread-safe: {@link #encode} may be called from many threads.
 */
public interface Tokenizer {
  /** Format id of the file it was loaded from ({@code sentencepiece}, {@code hf-tokenizer-json}, {@code tiktoken}). */
  String format();

  int vocabSize();

  /**
   * @param bos prepend the begin-of-sequence id
   * @param eos append the end-of-sequence id
   * @param parseSpecial true: special-token strings in {@code text} become their ids; false: encoded as text
   */
  int[] encode(String text, boolean bos, boolean eos, boolean parseSpecial);

  /** Plain text encoding: no bos/eos, special tokens treated as text. */
  default int[] encode(String text) {
    return encode(text, false, false, false);
  }

  /** Decodes ids to text; invalid UTF-8 from byte pieces becomes U+FFFD, as the references do. */
  String decode(int[] ids);

  /**
   * The raw bytes the ids stand for, including invalid UTF-8 from byte tokens (no U+FFFD replacement).
   * {@code decodeBytes(encode(text))} gives back {@code text} for byte-level formats; SentencePiece-style formats drop
   * the dummy-prefix space and turn a literal U+2581 into a space, as their references do.
   */
  byte[] decodeBytes(int[] ids);

  int bosId();

  int eosId();

  /** Id of a special/added token by its text ({@code <|eot_id|>}), if the vocabulary has it. */
  OptionalInt specialId(String token);

  /** All special/added tokens by text. */
  Map<String, Integer> specialTokens();

  /** The piece string of an id, as the vocabulary stores it. */
  String piece(int id);

  /** Encodes many texts, in order, using all cores. */
  default List<int[]> encodeBatch(List<String> texts, boolean bos, boolean eos) {
    return texts.parallelStream().map(t -> encode(t, bos, eos, false)).toList();
  }
}
