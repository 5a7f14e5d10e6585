/**
 * Loss families, one SPI kind each, so a new loss is one class in a plugin jar:
 *
 * <ul>
 *   <li>{@link org.align4j.api.loss.RewardModelLoss} ({@link org.align4j.api.loss.RewardModelLossProvider}):
 *       ranking losses over scalar reward-model scores ({@code ranking}, {@code ranking-multi}).
 *   <li>{@link org.align4j.api.loss.PreferenceLoss} ({@link org.align4j.api.loss.PreferenceLossProvider}):
 *       preference optimisation on sequence log-probabilities of a policy and a reference ({@code dpo},
 *       {@code ipo}).
 *   <li>{@link org.align4j.api.loss.PolicyLoss} ({@link org.align4j.api.loss.PolicyLossProvider}):
 *       on-policy RL: turning a rollout into advantages and returns, then a per-mini-batch loss
 *       ({@code ppo}).
 * </ul>
 *
 * <p>Losses take tensors that a stage computed from its model and return a {@link
 * org.align4j.api.loss.LossResult}: a scalar to back-propagate plus detached diagnostics. Tensors may be
 * on any device and of any floating dtype; a loss computes in the dtype of its inputs. The toolkit's
 * {@code org.align4j.toolkit.loss.LogProbs} and {@code org.align4j.toolkit.loss.Masked} are the shared helpers that turn
 * logits, labels and loss masks into the per-token and per-sequence log-probabilities the losses take, so
 * every stage computes them the same way.
 */
package org.align4j.api.loss;
