package org.align4j.plugins.tokenizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing fetched asset skips a test locally (with the script to run) and fails it in CI. */
class FixturesTest {
  static final String MISSING = "no-such-asset/tokenizer.json";

  @AfterEach
  void clear() {
    System.clearProperty(Fixtures.CI_PROPERTY);
  }

  @Test
  void inCiAMissingAssetFailsTheTest() {
    System.setProperty(Fixtures.CI_PROPERTY, "true");
    var e = assertThrows(AssertionFailedError.class, () -> Fixtures.asset(MISSING));
    assertTrue(e.getMessage().contains(MISSING) && e.getMessage().contains("tools/assets/tokenizers.sh"), e.getMessage());
    assertTrue(e.getMessage().contains("CI=true"), e.getMessage());
  }

  @Test
  void locallyAMissingAssetSkipsNamingTheScript() {
    System.setProperty(Fixtures.CI_PROPERTY, "false");
    var e = assertThrows(TestAbortedException.class, () -> Fixtures.asset(MISSING));
    assertTrue(e.getMessage().contains(MISSING) && e.getMessage().contains("tools/assets/tokenizers.sh"), e.getMessage());
  }

  @Test
  void ciComesFromTheEnvironmentUnlessThePropertySaysOtherwise() {
    assertEquals(true, Fixtures.ci(java.util.Map.of("CI", "true")));
    assertEquals(true, Fixtures.ci(java.util.Map.of("CI", "1")));
    assertEquals(false, Fixtures.ci(java.util.Map.of("CI", "false")));
    assertEquals(false, Fixtures.ci(java.util.Map.of()));
    System.setProperty(Fixtures.CI_PROPERTY, "false");
    assertEquals(false, Fixtures.ci(java.util.Map.of("CI", "true")));
  }
}
