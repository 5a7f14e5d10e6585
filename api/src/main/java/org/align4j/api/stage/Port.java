package org.align4j.api.stage;

/** A named input or output of a stage. */
public record Port(String name, boolean required, String description) {
  public static Port required(String name, String description) {
    return new Port(name, true, description);
  }

  public static Port optional(String name, String description) {
    return new Port(name, false, description);
  }
}
