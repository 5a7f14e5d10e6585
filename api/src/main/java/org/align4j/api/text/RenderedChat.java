package org.align4j.api.text;

/**
 * A conversation rendered to token ids.
 *
 * @param ids token ids
 * @param lossMask 1 where the token is a training target under the requested {@link MaskPolicy}
 * @param specialPositions positions of header/termination tokens (the format's special tokens)
 */
public record RenderedChat(int[] ids, byte[] lossMask, int[] specialPositions) {
  public RenderedChat {
    if (ids.length != lossMask.length) {
      throw new IllegalArgumentException("ids and lossMask differ in length: " + ids.length + " vs " + lossMask.length);
    }
  }
}
