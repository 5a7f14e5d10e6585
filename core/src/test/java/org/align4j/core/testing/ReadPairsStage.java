package org.align4j.core.testing;

import java.util.List;
import org.align4j.api.NoOptions;
import org.align4j.api.data.Schemas;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.apache.arrow.vector.types.pojo.Schema;

/** Test stage for the schema check at validation: reads pairs as text or as token ids (two accepted shapes). */
public final class ReadPairsStage implements Stage<NoOptions> {
  @Override
  public String id() {
    return "test-read-pairs";
  }

  @Override
  public Class<NoOptions> optionsType() {
    return NoOptions.class;
  }

  @Override
  public List<Port> inputs() {
    return List.of(Port.required("pairs", "preference pairs, as text or as token ids").withSchema(
        new Schema(List.of(Schemas.conversation(Schemas.PROMPT), Schemas.utf8(Schemas.CHOSEN), Schemas.utf8(Schemas.REJECTED))),
        new Schema(List.of(Schemas.list("chosen_ids", Schemas.INT32), Schemas.list("rejected_ids", Schemas.INT32)))));
  }

  @Override
  public List<Port> outputs() {
    return List.of(Port.required("done", "a marker file"));
  }

  @Override
  public void run(StageContext ctx, NoOptions o) {
    throw new UnsupportedOperationException("only validated in tests");
  }
}
