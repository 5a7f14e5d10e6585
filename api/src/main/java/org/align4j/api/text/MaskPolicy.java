package org.align4j.api.text;

/** Which tokens of a rendered conversation carry loss. */
public enum MaskPolicy {
  /** Every assistant token, including its termination token (SFT). */
  ASSISTANT,
  /** Assistant content tokens only: header and termination tokens excluded (Llama 3 DPO rule). */
  ASSISTANT_CONTENT,
  /** Only the last assistant message (Ghost Attention: earlier turns masked). */
  LAST_ASSISTANT,
  /** Every token (pretraining). */
  ALL
}
