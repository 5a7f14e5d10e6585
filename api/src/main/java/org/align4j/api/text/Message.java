package org.align4j.api.text;

/** One chat message. Roles: {@code system}, {@code user}, {@code assistant}, {@code ipython}. */
public record Message(String role, String content) {
  public static Message system(String c) {
    return new Message("system", c);
  }

  public static Message user(String c) {
    return new Message("user", c);
  }

  public static Message assistant(String c) {
    return new Message("assistant", c);
  }
}
