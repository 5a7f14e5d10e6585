package org.align4j.e2e;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.align4j.launcher.Main;

/** Runs the launcher in-process and captures what it prints. */
record Cli(int exit, String out, String err) {
  static Cli run(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Cli(code, out.toString(), err.toString());
  }

  static Path examplePlugins() {
    return Path.of(System.getProperty("align4j.example.plugins", "target/plugins"));
  }

  @Override
  public String toString() {
    return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
  }
}
