/**
 * The engine on libtorch (JavaCPP presets {@code org.bytedeco:pytorch}): {@link org.align4j.core.engine.LocalModels}
 * (Hugging Face checkpoints, {@code io.SafeTensors}), {@code model.LlamaModel} (our own layer list; libtorch cannot
 * call a forward written in Java), {@code train.LocalTrainer} (AdamW, schedules, exact resume),
 * {@code generate.LocalGenerator} (KV cache, sampling, log-probs), {@code dist.DataParallel} (c10d Gloo), bound by
 * {@link org.align4j.core.engine.EngineServicesModule}.
 *
 * <p>JavaCPP pitfalls handled here:
 * <ul>
 *   <li>Native memory: per-step tensors live in a {@code PointerScope}; long-lived tensors (parameters, Adam moments,
 *       KV caches) are created with {@link org.align4j.core.engine.Tensors#keep} so an enclosing scope does not free them.
 *   <li>{@code torch.ScalarType} values returned by native calls are not the enum constants: {@code ==} and
 *       {@code switch} silently fail on them; compare {@code .value}.
 *   <li>{@code torch.set_num_threads} is process-wide ({@link org.align4j.core.engine.TorchDevice}); on a loaded
 *       machine fewer OpenMP threads are faster.
 * </ul>
 */
package org.align4j.core.engine;
