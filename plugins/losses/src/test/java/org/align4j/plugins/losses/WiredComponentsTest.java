package org.align4j.plugins.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import java.util.Map;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.loss.PolicyLossProvider;
import org.align4j.api.loss.PreferenceBatch;
import org.align4j.api.loss.PreferenceLossProvider;
import org.align4j.api.loss.RankingBatch;
import org.align4j.api.loss.Rating;
import org.align4j.api.loss.RewardModelLossProvider;
import org.align4j.api.loss.SequenceLogProbs;
import org.align4j.api.stage.RecipeDefaults;
import org.align4j.core.inject.Services;
import org.align4j.core.metrics.MetricsHub;
import org.align4j.core.plugin.PluginRegistry;
import org.align4j.toolkit.loss.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

/**
 * The providers as a stage gets them: through the run's Guice-wired Components, options from plain maps. The
 * piecewise reward's counterpart is in plugins/rlhf ({@code Llama2PiecewiseRewardTest}).
 */
class WiredComponentsTest extends TorchTestSupport {
  @Test
  void stagesResolveLossesById() throws Exception {
    try (MetricsHub hub = new MetricsHub()) {
      Services services = new Services(PluginRegistry.classpath(), RecipeDefaults.of(Map.of("threads", 1)), hub);
      Components components = services.get(Components.class);

      try (PointerScope s = new PointerScope()) {
        var ranking = RewardModelLossProvider.resolve(components, new ComponentRef("ranking", Map.of("margin", "large")));
        double large = Tensors.item(ranking.compute(RankingBatch.pairs(vec(2.0), vec(1.0),
            List.of(Rating.BETTER))).loss());
        assertEquals(nls(2.0 - 1.0 - 2.0), large, 1e-12, "large margin 2 for better");

        var dpo = PreferenceLossProvider.resolve(components, new ComponentRef("dpo", Map.of("beta", 0.5)));
        var b = new PreferenceBatch(new SequenceLogProbs(vec(-1.0), vec(1.0)), new SequenceLogProbs(vec(-2.0), vec(1.0)),
            vec(-1.5), vec(-1.5));
        assertEquals(nls(0.5 * (0.5 + 0.5)), Tensors.item(dpo.compute(b).loss()), 1e-12, "dpo beta 0.5");

        assertInstanceOf(Ppo.class, PolicyLossProvider.resolve(components, ComponentRef.of("ppo")));
      }
    }
  }
}
