package org.align4j.plugins.rlhf;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.align4j.api.ComponentKind;
import org.align4j.api.ComponentRef;
import org.align4j.api.Components;
import org.align4j.api.Default;
import org.align4j.api.Doc;
import org.align4j.api.ProviderInfo;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardProvider;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;

/**
 * {@code verified}: a program checks the answer where the prompt's task has a checkable answer, a reward model
 * judges the rest. Llama 3 (section 4.3) does not leave maths and code to the reward model: it keeps the samples
 * whose final answer is right or whose code runs. Here a row whose domain is one of {@code domains} scores
 * {@code verifier + tie_break * sigmoid(reward)}: the checker decides, the reward model only orders samples the
 * checker scores alike. Every other row scores the reward model's own score. The two scales are not comparable, which
 * is harmless where scores are compared within one prompt (rejection sampling) or within one domain (curate's
 * quality and difficulty steps); do not whiten them together. Labels: {@code verified} or {@code reward}.
 */
@ProviderInfo(id = "verified",
    description = "a checker (e.g. task-suite) on prompts of checkable domains (the RM breaks its ties), the RM elsewhere")
public final class VerifiedRewardProvider implements RewardProvider<VerifiedRewardProvider.Options> {
  public record Options(
      @ComponentKind(RewardProvider.class) @Doc("the program that checks answers, e.g. {uses: task-suite}")
          ComponentRef verifier,
      @ComponentKind(RewardProvider.class) @Doc("the reward for every other prompt, e.g. {uses: reward-model, model: ...}")
          ComponentRef reward,
      @Default("[arithmetic, tools]") @Doc("the domains whose answers the verifier checks") List<String> domains,
      @Default("[task_domain, domain]") @Doc("metadata fields holding a row's domain; the first present one counts")
          List<String> domainFields,
      @Default("0.001") @Doc("weight of sigmoid(reward) added to the verifier's score; in [0, 0.01]: it must stay below"
          + " the smallest difference the verifier makes") double tieBreak) {
    public Options {
      if (verifier == null || reward == null) {
        throw new IllegalArgumentException("verified needs both: verifier: {uses: task-suite} and reward: {uses: ...}");
      }
      domains = domains == null ? List.of("arithmetic", "tools") : List.copyOf(domains);
      if (domains.isEmpty()) {
        throw new IllegalArgumentException("domains must name at least one domain (else use the reward itself)");
      }
      domainFields = domainFields == null ? List.of("task_domain", "domain") : List.copyOf(domainFields);
      if (!(tieBreak >= 0 && tieBreak <= 0.01)) {
        throw new IllegalArgumentException("tie_break must be in [0, 0.01], got " + tieBreak);
      }
    }
  }

  private Components components;

  @Inject
  public void setComponents(Components components) {
    this.components = components;
  }

  @Override
  public Reward create(Options o) throws Exception {
    if (components == null) {
      throw new IllegalStateException("verified needs the Components service injected");
    }
    return new Verified(RewardProvider.resolve(components, o.verifier()), RewardProvider.resolve(components, o.reward()),
        o);
  }

  static final class Verified implements Reward {
    private final Reward verifier;
    private final Reward reward;
    private final Set<String> domains;
    private final Options o;

    Verified(Reward verifier, Reward reward, Options o) {
      this.verifier = verifier;
      this.reward = reward;
      this.domains = Set.copyOf(o.domains());
      this.o = o;
    }

    boolean checkable(Map<String, String> metadata) {
      if (metadata == null) {
        return false;
      }
      for (String field : o.domainFields()) {
        String d = metadata.get(field);
        if (d != null) {
          return domains.contains(d);
        }
      }
      return false;
    }

    private RewardResult combine(Map<String, String> metadata, RewardResult byReward, Supplier<RewardResult> byVerifier) {
      if (!checkable(metadata)) {
        return new RewardResult(byReward.score(), "reward");
      }
      double tie = o.tieBreak() == 0 ? 0 : o.tieBreak() / (1 + Math.exp(-byReward.score()));
      return new RewardResult(byVerifier.get().score() + tie, "verified");
    }

    @Override
    public RewardResult score(List<Message> prompt, String response, Map<String, String> metadata) {
      RewardResult r = reward.score(prompt, response, metadata);
      return combine(metadata, r, () -> verifier.score(prompt, response, metadata));
    }

    /** The reward model scores every row in one batch (it breaks the verifier's ties); the verifier only its rows. */
    @Override
    public List<RewardResult> scoreAll(List<List<Message>> prompts, List<String> responses,
        List<Map<String, String>> metadata) {
      List<RewardResult> byReward = reward.scoreAll(prompts, responses, metadata);
      List<RewardResult> out = new ArrayList<>(byReward.size());
      for (int i = 0; i < byReward.size(); i++) {
        int row = i;
        out.add(combine(metadata.get(i), byReward.get(i),
            () -> verifier.score(prompts.get(row), responses.get(row), metadata.get(row))));
      }
      return out;
    }
  }
}
