package org.align4j.launcher;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Adds the run directory's log file ({@code logs/align4j.log}, appended across resumed runs); rank R &gt; 0 of a
 * multi-process run logs to {@code logs/align4j.rank-R.log}.
 */
final class RunLog {
  private RunLog() {}

  static void attach(Path runDir, int rank) {
    if (!(LogManager.getContext(false) instanceof LoggerContext ctx)) {
      return;
    }
    var config = ctx.getConfiguration();
    Path logFile = runDir.resolve(rank == 0 ? "logs/align4j.log" : "logs/align4j.rank-" + rank + ".log");
    String file = logFile.toString();
    // Log4j reports a file it cannot open with its own multi-line error and goes on; say which file and why instead
    try {
      java.nio.file.Files.createDirectories(logFile.getParent());
      java.nio.file.Files.newOutputStream(logFile, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND).close();
    } catch (java.io.IOException e) {
      String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied (read-only?)"
          : org.align4j.toolkit.io.AtomicFiles.reason(e);
      if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null && f.getFile() != null
          && !f.getFile().equals(file)) {
        why += " (" + f.getFile() + ")"; // the part of the path that is in the way
      }
      throw new org.align4j.api.Align4jException("cannot write the run's log file " + logFile + ": " + why
          + "; move the run with --set run_dir=...", e);
    }
    if (config.getAppender("runlog") instanceof FileAppender old) {
      if (old.getFileName().equals(file)) {
        return;
      }
      // another run in the same JVM (tests, embedding): log to this run's directory from now on
      config.getRootLogger().removeAppender("runlog");
      config.getAppenders().remove("runlog");
      old.stop();
    }
    var layout = PatternLayout.newBuilder().withConfiguration(config)
        .withPattern("%d{ISO8601} %-5level [%t] %c{1} - %msg%n%throwable").build();
    var app = FileAppender.newBuilder().setName("runlog").withFileName(file)
        .withAppend(true).setLayout(layout).setConfiguration(config).build();
    app.start();
    config.addAppender(app);
    config.getRootLogger().addAppender(app, Level.INFO, null);
    var trace = config.getLoggerConfig("align4j.trace");
    if (trace.getName().equals("align4j.trace")) {
      trace.removeAppender("runlog");
      trace.addAppender(app, Level.ALL, null);
    }
    ctx.updateLoggers();
  }
}
