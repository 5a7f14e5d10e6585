package org.align4j.toolkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Issue 15: dense masks are sized in long and refused with a clear error past what an array holds. Before, 16 rows of
 * 16,384 tokens computed {@code 16 * 16384 * 16384} in int, which wraps to 0: a 0-byte mask, then an index error.
 */
class MaskSizesTest {
  @Test
  void denseMasksThatDoNotFitAreRefusedBeforeAllocating() {
    var packed = assertThrows(IllegalArgumentException.class, () -> Masks.packed(new int[16][16384]));
    assertTrue(packed.getMessage().startsWith("a dense attention mask of 16 rows x 16384 x 16384 tokens (4294967296 entries)"),
        packed.getMessage());
    var shared = assertThrows(IllegalArgumentException.class,
        () -> Masks.sharedPrefix(new int[3], new int[3][0], 30_000));
    assertTrue(shared.getMessage().contains("3 rows x 30000 x 30000") && shared.getMessage().contains("seq_len"),
        shared.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Masks.denseEntries(Integer.MAX_VALUE, Integer.MAX_VALUE));
    assertEquals(2 * 64 * 64, Masks.denseEntries(2, 64));
    assertThrows(IllegalArgumentException.class, () -> Masks.arrayLength(70_000, 70_000, "rows x tokens"));
  }
}
