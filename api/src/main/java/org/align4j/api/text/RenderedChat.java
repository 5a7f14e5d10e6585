package org.align4j.api.text;

/**
 * A conversation rendered to token ids.
 *
 * @param ids token ids
 * @param lossMask 1 where the token is a training target under the requested {@link MaskPolicy}
 * @param specialPositions positions of the format's special tokens: llama3 {@code <|begin_of_text|>}, header and
 *     termination tokens; llama2 the {@code <s>} / {@code </s>} of each turn
 */
public record RenderedChat(int[] ids, byte[] lossMask, int[] specialPositions) {
  public RenderedChat {
    if (ids.length != lossMask.length) {
      throw new IllegalArgumentException("ids and lossMask differ in length: " + ids.length + " vs " + lossMask.length);
    }
  }
}
