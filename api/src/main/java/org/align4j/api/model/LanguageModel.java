package org.align4j.api.model;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A Llama decoder (token embedding, blocks of RMSNorm / attention with RoPE / SwiGLU, final norm, LM head,
 * optional scalar head). Obtain one from {@link org.align4j.api.engine.Models}. Not thread-safe.
 *
 * <p>Tensors returned by the forward methods belong to the caller: create them inside a
 * {@link org.bytedeco.javacpp.PointerScope} (one per step) or close them. Autograd records the forward pass
 * unless a {@code NoGradGuard} is active, so a stage can back-propagate through any of these outputs.
 */
public interface LanguageModel extends AutoCloseable {
  ModelConfig config();

  /**
   * Trainable tensors by Hugging Face name ({@code model.layers.0.self_attn.q_proj.weight}, ...) in a stable
   * order. A tied model has no {@code lm_head.weight}; a model with a scalar head has {@code score.weight}.
   */
  Map<String, Tensor> parameters();

  /** Where the parameters live. */
  org.bytedeco.pytorch.Device device();

  /** Final-normed hidden states {@code [B, T, hidden]}. */
  Tensor hidden(ModelInput input);

  /** The LM head applied to hidden states: {@code [..., vocab]} float32. */
  Tensor lmHead(Tensor hidden);

  /** The scalar head applied to hidden states: {@code [..., scoreHeads]}. Fails when the model has none. */
  Tensor scoreHead(Tensor hidden);

  /** Next-token logits {@code [B, T, vocab]}: position t predicts token t+1. */
  default Tensor logits(ModelInput input) {
    return lmHead(hidden(input));
  }

  /** Scalar scores at every position {@code [B, T]} (first score head). Read them at chosen positions with
   * {@code org.align4j.toolkit.model.Masks#gather}. */
  Tensor scores(ModelInput input);

  /**
   * Per-token log-probabilities of the given ids: {@code [B, T-1]}, entry t is
   * {@code log p(ids[t+1] | ids[..t])} in float32, computed by {@code log_softmax} over the full vocabulary
   * (the generator reports exactly these).
   */
  Tensor tokenLogprobs(ModelInput input);

  /** Turns gradient tracking of every parameter on or off (frozen reference models: off). */
  void requiresGrad(boolean on);

  /** Number of parameters. */
  default long parameterCount() {
    return parameters().values().stream().mapToLong(Tensor::numel).sum();
  }

  /** Frees the native parameters. */
  @Override
  void close();
}
