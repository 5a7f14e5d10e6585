package org.align4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SharedCoresWarningTest {
  @Test
  void warnsOnlyWhenOtherWorkLeavesTooFewCoresForTheThreads() {
    assertFalse(TorchDevice.warnIfShared(1, 2, 5), "one thread never waits for another");
    assertFalse(TorchDevice.warnIfShared(2, 2, 0), "a quiet machine");
    assertTrue(TorchDevice.warnIfShared(2, 2, 1), "one other job on 2 cores with 2 threads");
    assertFalse(TorchDevice.warnIfShared(2, 8, 3), "8 cores have room for 2 threads beside 3 jobs");
    assertTrue(TorchDevice.warnIfShared(4, 8, 5));
    assertTrue(TorchDevice.otherRunnable() >= 0);
  }
}
