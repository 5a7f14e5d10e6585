package org.align4j.core.testing;

import java.util.List;
import org.align4j.api.NoOptions;
import org.align4j.api.ProviderInfo;
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Test stage for the schema check at validation: writes preference rows, text rows and int8 token ids, and
 * reads pairs as text (prompt, chosen, rejected) or as int32 token ids, two accepted shapes.
 */
@ProviderInfo(id = "test-pairs")
public final class PairsStage implements Stage<NoOptions> {
  @Override
  public List<Port> inputs() {
    return List.of(Port.optional("pairs", "preference pairs, as text or as token ids").withSchema(Schemas.PREFERENCE_PAIRS,
        new Schema(List.of(Schemas.list("chosen_ids", Schemas.INT32), Schemas.list("rejected_ids", Schemas.INT32)))));
  }

  @Override
  public List<Port> outputs() {
    return List.of(Port.required("pairs", "preference pairs").withSchema(Schemas.PREFERENCES),
        Port.required("text", "plain text rows").withSchema(Schemas.TEXT),
        Port.required("ids", "token ids, int8").withSchema(
            new Schema(List.of(Schemas.list("chosen_ids", Schemas.INT8), Schemas.list("rejected_ids", Schemas.INT8)))));
  }

  @Override
  public void run(StageContext ctx, NoOptions o) {
    throw new UnsupportedOperationException("only validated in tests");
  }
}
