package org.align4j.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.align4j.api.NoOptions;
import org.align4j.api.ProviderInfo;
import org.align4j.api.stage.Port;
import org.align4j.api.stage.Stage;
import org.align4j.api.stage.StageContext;
import org.align4j.api.stage.StagePort;
import org.junit.jupiter.api.Test;

/** What a provider declares on its class becomes its id, description, options type and ports. */
class ProviderInfoTest {
  record Options(int n) {}

  @ProviderInfo(id = "declared", description = "one line")
  @StagePort(input = "a", description = "first")
  @StagePort(output = "out", description = "result", required = false)
  @StagePort(input = "b", description = "second", required = false)
  static final class Declared implements Stage<Options> {
    @Override
    public void run(StageContext context, Options options) {}
  }

  static final class Undeclared implements Stage<NoOptions> {
    @Override
    public void run(StageContext context, NoOptions options) {}
  }

  @ProviderInfo(id = "both")
  @StagePort(input = "a", output = "a", description = "ambiguous")
  static final class BothDirections implements Stage<NoOptions> {
    @Override
    public void run(StageContext context, NoOptions options) {}
  }

  @Test
  void theAnnotationsDeclareIdDescriptionOptionsAndPortsInOrder() {
    var s = new Declared();
    assertEquals("declared", s.id());
    assertEquals("one line", s.description());
    assertEquals(Options.class, s.optionsType());
    assertEquals(List.of(new Port("a", true, "first"), new Port("b", false, "second")), s.inputs());
    assertEquals(List.of(new Port("out", false, "result")), s.outputs());
  }

  @Test
  void aProviderWithoutAnIdSaysHowToDeclareOne() {
    var s = new Undeclared();
    var e = assertThrows(IllegalStateException.class, s::id);
    assertTrue(e.getMessage().contains("@ProviderInfo"), e.getMessage());
    assertEquals("", s.description());
    assertEquals(NoOptions.class, s.optionsType());
    assertEquals(List.of(), s.inputs());
  }

  @Test
  void aPortNamesOneDirection() {
    var e = assertThrows(IllegalStateException.class, () -> new BothDirections().inputs());
    assertTrue(e.getMessage().contains("exactly one of input and output"), e.getMessage());
  }
}
