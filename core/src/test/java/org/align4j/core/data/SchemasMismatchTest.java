package org.align4j.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.align4j.api.data.Schemas;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/** Schemas.mismatch: what the recipe validator uses to check an input against its producer's output. */
class SchemasMismatchTest {
  static Schema of(org.apache.arrow.vector.types.pojo.Field... fields) {
    return new Schema(List.of(fields));
  }

  @Test
  void requiredColumnsMustBePresentExtraColumnsAreFine() {
    assertNull(Schemas.mismatch(of(Schemas.utf8(Schemas.CHOSEN)), Schemas.PREFERENCES));
    assertEquals("no column 'response'", Schemas.mismatch(of(Schemas.utf8(Schemas.RESPONSE)), Schemas.PREFERENCES));
  }

  @Test
  void typesMayWidenButNotNarrowOrChangeKind() {
    var needsFloat64 = of(Schemas.field(Schemas.REWARD, Schemas.FLOAT64));
    var needsFloat32 = of(Schemas.field(Schemas.REWARD, Schemas.FLOAT32));
    assertNull(Schemas.mismatch(needsFloat64, Schemas.SAMPLES)); // float32 rewards read as float64
    assertEquals("column 'reward' is float64, not float32", Schemas.mismatch(needsFloat32, needsFloat64));
    assertEquals("column 'reward' is utf8, not float32", Schemas.mismatch(needsFloat32, of(Schemas.utf8(Schemas.REWARD))));
    assertEquals("column 'input_ids' (list item) is int32, not int8",
        Schemas.mismatch(of(Schemas.list(Schemas.INPUT_IDS, Schemas.INT8)), Schemas.TOKENIZED));
  }

  @Test
  void structFieldsCompareByName() {
    assertNull(Schemas.mismatch(of(Schemas.MESSAGES_FIELD), Schemas.CONVERSATIONS));
    var roleOnly = of(Schemas.listOf(Schemas.MESSAGES, Schemas.struct("item", Schemas.utf8(Schemas.ROLE))));
    assertNull(Schemas.mismatch(roleOnly, Schemas.CONVERSATIONS));
    assertEquals("column 'messages' (list item) has no struct field 'content'", Schemas.mismatch(Schemas.CONVERSATIONS, roleOnly));
  }
}
