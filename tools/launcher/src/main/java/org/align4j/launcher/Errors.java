package org.align4j.launcher;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import org.align4j.api.Align4jException;
import org.align4j.core.recipe.RecipeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * How a command that throws ends: one line {@code align4j <command>: <message>} on stderr, the cause unwrapped
 * from Guice, reflection, JNI and I/O wrappers; the stack trace goes to the log ({@code logs/align4j.log} of a run),
 * or to stderr as well when {@code ALIGN4J_TRACE=1}.
 */
final class Errors {
  private static final Logger TRACE = LoggerFactory.getLogger("align4j.trace");
  private static final int MAX_MESSAGE = 600;

  private Errors() {}

  /** picocli's handler for exceptions thrown by a command. */
  static int handle(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
    return report(ex, cl.getCommandSpec().qualifiedName(" "), cl.getErr());
  }

  /** Prints the one line and returns the exit code: 2 for bad input given on the command line or in a recipe, else 1. */
  static int report(Throwable t, String command, PrintWriter err) {
    try {
      TRACE.error("{} failed", command, t);
    } catch (RuntimeException | LinkageError ignored) {
      // logging must not hide the error itself
    }
    if ("1".equals(System.getenv("ALIGN4J_TRACE"))) {
      t.printStackTrace(err);
    }
    err.println(command + ": " + message(t));
    err.flush();
    Throwable root = root(t);
    return root instanceof RecipeException || root instanceof IllegalArgumentException ? Main.USAGE : Main.FAILED;
  }

  /** The innermost meaningful cause. */
  static Throwable root(Throwable t) {
    var chain = chain(t);
    return chain.get(chain.size() - 1);
  }

  private static List<Throwable> chain(Throwable t) {
    var out = new ArrayList<Throwable>();
    var seen = new IdentityHashMap<Throwable, Boolean>();
    while (t != null && seen.put(t, true) == null) {
      out.add(t);
      t = t.getCause();
    }
    return out;
  }

  /** Wrappers whose own message adds nothing to their cause's. */
  private static boolean wrapper(Throwable t) {
    String n = t.getClass().getName();
    return n.startsWith("com.google.inject.") || t instanceof InvocationTargetException
        || t instanceof java.util.concurrent.ExecutionException || t instanceof java.util.concurrent.CompletionException
        || t instanceof CommandLine.ExecutionException || (t instanceof UncheckedIOException && t.getCause() != null
            && (t.getMessage() == null || t.getMessage().equals(t.getCause().toString())));
  }

  /** The messages along the cause chain, each said once, wrappers left out, on one line. */
  static String message(Throwable t) {
    var parts = new ArrayList<String>();
    var chain = chain(t);
    for (int i = 0; i < chain.size(); i++) {
      Throwable c = chain.get(i);
      Throwable next = i + 1 < chain.size() ? chain.get(i + 1) : null;
      if (next != null && wrapper(c)) {
        continue;
      }
      String m = c.getMessage();
      if (m != null && next != null && (m.equals(next.toString()) || m.equals(next.getMessage()))) {
        continue; // new RuntimeException(cause) repeats the cause
      }
      String text = describe(c);
      if (text.isEmpty() || parts.stream().anyMatch(p -> p.contains(text))) {
        continue;
      }
      parts.add(text);
    }
    String line = String.join(": ", parts);
    if (line.isEmpty()) {
      line = t.getClass().getSimpleName();
    }
    Throwable root = chain.get(chain.size() - 1);
    if (root instanceof OutOfMemoryError) {
      line += " (more memory: ALIGN4J_JAVA_OPTS=-Xmx...)";
    } else if (bug(root)) {
      line += " (an internal error; the stack trace is in the log, or set ALIGN4J_TRACE=1)";
    }
    return clean(line);
  }

  private static boolean bug(Throwable t) {
    return t instanceof NullPointerException || t instanceof IndexOutOfBoundsException || t instanceof ClassCastException
        || t instanceof NegativeArraySizeException || t instanceof ArithmeticException || t instanceof IllegalStateException
        || t instanceof UnsupportedOperationException || t instanceof StackOverflowError;
  }

  private static String describe(Throwable c) {
    String m = c.getMessage();
    if (c instanceof RecipeException || c instanceof Align4jException) {
      return m == null ? "" : m;
    }
    if (m != null && c.getClass().getName().startsWith("com.google.inject.")) {
      return ""; // Guice's own text is a numbered dump; its cause says what went wrong
    }
    if (m == null || m.isBlank()) {
      return c.getClass().getSimpleName();
    }
    // keep the class name where the message alone would not say what happened
    if (c instanceof java.nio.file.NoSuchFileException) {
      return "no such file: " + m;
    }
    if (c instanceof java.nio.file.AccessDeniedException) {
      return "permission denied: " + m;
    }
    if (c instanceof java.nio.file.FileSystemException || c instanceof java.io.EOFException || bug(c)
        || c instanceof NumberFormatException || c instanceof VirtualMachineError) {
      return c.getClass().getSimpleName() + ": " + m;
    }
    // native errors carry a C++ backtrace after the first line
    if (c.getClass().getName().startsWith("java.lang.RuntimeException") && m.contains("Exception raised from")) {
      return m.lines().findFirst().orElse(m);
    }
    return m;
  }

  /** One printable line: control characters and stray bytes shown as '?', newlines joined, length capped. */
  static String clean(String s) {
    boolean multiProblem = s.contains("problem in recipe") || s.contains("problems in recipe");
    var sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '\n' && multiProblem) {
        sb.append('\n'); // the recipe validator's list of problems, one per line
      } else if (ch == '\n' || ch == '\r' || ch == '\t') {
        sb.append(' ');
      } else if (ch < 0x20 || ch == 0x7f || ch == '\uFFFD' || Character.isSurrogate(ch) && !validSurrogate(s, i)) {
        sb.append('?');
      } else {
        sb.append(ch);
      }
    }
    String out = sb.toString().replaceAll(" {2,}", " ").strip();
    if (!multiProblem && out.length() > MAX_MESSAGE) {
      out = out.substring(0, MAX_MESSAGE - 3) + "...";
    }
    return out;
  }

  private static boolean validSurrogate(String s, int i) {
    char ch = s.charAt(i);
    return Character.isHighSurrogate(ch) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
        : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
