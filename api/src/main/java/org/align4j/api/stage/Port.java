package org.align4j.api.stage;

import java.util.List;
import org.align4j.api.data.Schemas;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A named input or output of a stage. A port that carries an Arrow dataset may declare its shape with
 * {@link #withSchema} (built from the conventions in {@link Schemas}): for an output, the columns the stage
 * writes; for an input, the columns it reads. Before any work the recipe validator checks that an input fed by
 * another stage's output gets every column the input declares, with a compatible type
 * ({@link Schemas#mismatch}). An input that accepts several shapes declares each and is satisfied by any one;
 * a port without a schema (a file, a model directory, a dataset of any shape) is not checked.
 */
public record Port(String name, boolean required, String description, List<Schema> schemas) {
  public Port {
    schemas = List.copyOf(schemas);
  }

  public Port(String name, boolean required, String description) {
    this(name, required, description, List.of());
  }

  public static Port required(String name, String description) {
    return new Port(name, true, description);
  }

  public static Port optional(String name, String description) {
    return new Port(name, false, description);
  }

  /** This port with the dataset shapes it writes (an output) or accepts (an input; any one will do). */
  public Port withSchema(Schema... shapes) {
    return new Port(name, required, description, List.of(shapes));
  }
}
