package org.align4j.launcher;

import java.io.PrintWriter;
import java.io.StringWriter;

/** What one in-process launcher run returned and printed: the fixture of the command tests. */
public record CliResult(int code, String out, String err) {
  /** Runs {@code align4j args...} in this JVM, capturing stdout and stderr. */
  public static CliResult run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new CliResult(code, out.toString(), err.toString());
  }
}
