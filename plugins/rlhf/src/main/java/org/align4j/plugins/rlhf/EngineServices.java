package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import org.align4j.api.Components;
import org.align4j.api.data.DatasetStore;
import org.align4j.api.engine.Generator;
import org.align4j.api.engine.Models;
import org.align4j.api.engine.Trainer;

/**
 * The engine services of the stages that load a model ({@code dpo}, {@code reward-model}, {@code ppo},
 * {@code rejection-sampling}), injected as one field instead of the block of fields each stage repeated: the run's
 * own instances, the ones {@link org.align4j.api.stage.StageContext#service} returns. A stage creates all of them
 * with it; only {@link Models} costs anything (it creates the device), and every one of these stages loads a model.
 * {@link org.align4j.api.engine.Distributed} is not here: getting it may join a process group, so the one stage that
 * splits its work over the ranks injects it itself.
 */
record EngineServices(Models models, Generator generator, Trainer trainer, DatasetStore store, Components components) {
  @Inject
  EngineServices {}
}
