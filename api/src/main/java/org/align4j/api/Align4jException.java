package org.align4j.api;

/**
 * An error a user can act on: the message names the file, row/line and field where there is one,
 * and says how to fix it.
 */
public class Align4jException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public Align4jException(String message) {
    super(message);
  }

  public Align4jException(String message, Throwable cause) {
    super(message, cause);
  }
}
