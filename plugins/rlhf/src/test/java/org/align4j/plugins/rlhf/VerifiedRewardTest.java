package org.align4j.plugins.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.align4j.api.ComponentRef;
import org.align4j.api.reward.Reward;
import org.align4j.api.reward.RewardResult;
import org.align4j.api.text.Message;
import org.junit.jupiter.api.Test;

class VerifiedRewardTest {
  static final List<Message> PROMPT = List.of(Message.user("2+2?"));

  /** verifier "v" and reward "r" return the numbers stored under their ids (Llama2PiecewiseRewardTest's fakes). */
  static Reward verified(List<String> domains, double tieBreak) throws Exception {
    var p = new VerifiedRewardProvider();
    p.setComponents(new Llama2PiecewiseRewardTest.FakeComponents());
    return p.create(new VerifiedRewardProvider.Options(ComponentRef.of("v"), ComponentRef.of("r"), domains, null,
        tieBreak));
  }

  static Map<String, String> row(String domain, double v, double r) {
    return Map.of("domain", domain, "v", "" + v, "r", "" + r);
  }

  @Test
  void theVerifierDecidesOnCheckableDomainsAndTheRewardModelOnlyBreaksItsTies() throws Exception {
    Reward w = verified(null, 0.001);
    // arithmetic: 1 + 0.001 * sigmoid(-3) = 1 + 0.001 * 0.0474258732 = 1.0000474259
    RewardResult right = w.score(PROMPT, "4", row("arithmetic", 1.0, -3.0));
    assertEquals("verified", right.label());
    assertEquals(1.0000474259, right.score(), 1e-10);
    // a wrong answer the RM loves still ranks below the right one: 0.5 + 0.001 * sigmoid(5) = 0.5009933071
    assertEquals(0.5009933071, w.score(PROMPT, "5", row("arithmetic", 0.5, 5.0)).score(), 1e-10);
    // another domain: the reward model's score itself, the verifier's ignored
    assertEquals(new RewardResult(-3.0, "reward"), w.score(PROMPT, "hi", row("dialogue", 1.0, -3.0)));
    // the domain field of the task suite's rows wins over a later field
    assertEquals("reward", w.score(PROMPT, "x", Map.of("task_domain", "dialogue", "domain", "arithmetic", "v", "1",
        "r", "0")).label());
  }

  @Test
  void scoreAllEqualsOneByOne() throws Exception {
    Reward w = verified(List.of("arithmetic", "instruction"), 0.0);
    List<Map<String, String>> meta = List.of(row("arithmetic", 0.25, 9), row("dialogue", 0.9, 0.7),
        row("instruction", 1.0, -1));
    List<RewardResult> all = w.scoreAll(List.of(PROMPT, PROMPT, PROMPT), List.of("a", "b", "c"), meta);
    assertEquals(List.of(new RewardResult(0.25, "verified"), new RewardResult(0.7, "reward"),
        new RewardResult(1.0, "verified")), all);
  }

  @Test
  void badOptionsAreRefusedNamingTheFix() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new VerifiedRewardProvider.Options(ComponentRef.of("v"), null, null, null, 0.001));
    assertTrue(e.getMessage().contains("reward: {uses"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new VerifiedRewardProvider.Options(ComponentRef.of("v"), ComponentRef.of("r"), null, null, 0.5));
    assertTrue(e.getMessage().contains("tie_break"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new VerifiedRewardProvider.Options(ComponentRef.of("v"), ComponentRef.of("r"), List.of(), null, 0.001));
  }
}
