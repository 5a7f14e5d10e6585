package org.align4j.launcher;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;

/** Adds the run directory's log file ({@code logs/align4j.log}, appended across resumed runs). */
final class RunLog {
  private RunLog() {}

  static void attach(Path runDir) {
    if (!(LogManager.getContext(false) instanceof LoggerContext ctx)) {
      return;
    }
    var config = ctx.getConfiguration();
    String file = runDir.resolve("logs/align4j.log").toString();
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
    ctx.updateLoggers();
  }
}
