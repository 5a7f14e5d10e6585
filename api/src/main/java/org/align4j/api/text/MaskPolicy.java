package org.align4j.api.text;

/**
 * Which tokens of a rendered conversation carry loss. {@code lossMask[i] == 1} means token {@code i} is a
 * training target (predicted from the tokens before it). Header tokens that announce an assistant turn
 * ({@code <|start_header_id|>assistant<|end_header_id|>\n\n}, Llama 2's {@code [INST] ... [/INST]}) belong to the
 * prompt: generation starts after them, so they are never targets.
 */
public enum MaskPolicy {
  /** Every assistant message: its content and its termination token ({@code <|eot_id|>}, {@code </s>}) (SFT). */
  ASSISTANT,
  /** Assistant content tokens only: header and termination tokens excluded (Llama 3 DPO rule). */
  ASSISTANT_CONTENT,
  /** Only the last assistant message, content and termination token (Ghost Attention: earlier turns masked). */
  LAST_ASSISTANT,
  /** Every token (pretraining). */
  ALL
}
