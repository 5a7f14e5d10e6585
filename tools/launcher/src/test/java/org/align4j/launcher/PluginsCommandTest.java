package org.align4j.launcher;

import static org.align4j.launcher.CliResult.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginsCommandTest {
  static int indent(String l) {
    int i = 0;
    while (i < l.length() && l.charAt(i) == ' ') {
      i++;
    }
    return i;
  }

  /** Start of the n-th (0-based) space-separated field of a line. */
  static int field(String l, int n) {
    int i = indent(l);
    for (int k = 0; k < n; k++) {
      while (i < l.length() && l.charAt(i) != ' ') {
        i++;
      }
      while (i < l.length() && l.charAt(i) == ' ') {
        i++;
      }
    }
    return i;
  }

  /**
   * Every provider's options form a table: the type and the description start in one column for all of them,
   * however long an option name is (bundled ones reach 23 characters), and long descriptions wrap under their
   * column instead of running past the width.
   */
  @Test
  void optionColumnsStayAlignedAndLongDescriptionsWrap() {
    CliResult r = run("plugins");
    assertEquals(0, r.code(), r.err());
    List<List<String>> blocks = new ArrayList<>();
    List<String> headers = new ArrayList<>();
    for (String l : r.out().lines().toList()) {
      if (indent(l) == 2) {
        blocks.add(new ArrayList<>());
        headers.add(l);
      } else if (indent(l) >= 6 && !blocks.isEmpty() && !l.strip().startsWith("inputs:") && !l.strip().startsWith("outputs:")) {
        blocks.get(blocks.size() - 1).add(l);
      }
    }
    assertTrue(blocks.size() > 20, r.out());
    boolean sawLongName = false;
    boolean sawWrapped = false;
    for (int b = 0; b < blocks.size(); b++) {
      List<String> lines = blocks.get(b);
      int typeCol = -1;
      int docCol = -1;
      for (String l : lines) {
        if (indent(l) == 6) {
          sawLongName |= l.strip().split(" ")[0].length() >= 20;
          int t = field(l, 1);
          if (typeCol < 0) {
            typeCol = t;
          }
          assertEquals(typeCol, t, "type column of " + headers.get(b) + ":\n" + String.join("\n", lines));
          if (field(l, 2) < l.length()) {
            int d = field(l, 2);
            docCol = docCol < 0 ? d : docCol;
            assertEquals(docCol, d, "description column of " + headers.get(b) + ":\n" + String.join("\n", lines));
          }
        } else {
          sawWrapped = true;
          assertEquals(docCol, indent(l), "a wrapped description continues in its column:\n" + String.join("\n", lines));
        }
        assertTrue(l.length() <= PluginsCommand.WIDTH || !l.strip().contains(" "), "longer than " + PluginsCommand.WIDTH + ": " + l);
      }
    }
    assertTrue(sawLongName, "the bundled providers have an option name of 20+ characters");
    assertTrue(sawWrapped, "some bundled description is long enough to wrap");
  }

  /** Issue 12 item 2: a nested options block lists each key with the default of that provider. */
  @Test
  void nestedOptionsListEachKeyWithTheProvidersDefault() {
    CliResult r = run("plugins", "--kind", "stage");
    assertEquals(0, r.code(), r.err());
    java.util.Map<String, List<String>> byStage = new java.util.HashMap<>();
    List<String> current = null;
    for (String l : r.out().lines().toList()) {
      if (indent(l) == 2) {
        current = byStage.computeIfAbsent(l.strip().split(" ")[0], k -> new ArrayList<>());
      } else if (current != null && indent(l) == 6) {
        current.add(l.strip().replaceAll(" +", " "));
      }
    }
    assertTrue(byStage.get("sft").stream().anyMatch(l -> l.startsWith("optimizer OptimizerOptions AdamW")),
        String.join("\n", byStage.get("sft")));
    assertTrue(byStage.get("sft").contains("optimizer.lr double default 2.0e-5. peak learning rate"),
        String.join("\n", byStage.get("sft")));
    assertTrue(byStage.get("pretrain").stream().anyMatch(l -> l.startsWith("optimizer.lr double default 0.003.")));
    assertTrue(byStage.get("ppo").stream().anyMatch(l -> l.startsWith("optimizer.schedule String default constant.")),
        String.join("\n", byStage.get("ppo")));
    assertTrue(byStage.get("reward-model").stream()
        .anyMatch(l -> l.startsWith("optimizer.betas List default [0.9, 0.95].")));
    // a @Flat record's keys are the stage's own, each with the stage's default where it gives one
    assertTrue(byStage.get("sft").stream().anyMatch(l -> l.startsWith("epochs int default 2. passes over")),
        String.join("\n", byStage.get("sft")));
    assertTrue(byStage.get("pretrain").stream().anyMatch(l -> l.startsWith("log_every int default 10.")));
    assertTrue(byStage.get("dpo").stream().anyMatch(l -> l.startsWith("accumulation int default 1.")));
    assertTrue(byStage.get("sft").stream().noneMatch(l -> l.startsWith("loop")), "the component itself is no key");
  }

  /** A truncated plugin jar is reported once (not by the registry's log and again by the launcher). */
  @Test
  void aTruncatedJarIsReportedOnce(@TempDir Path dir) throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path whole = dir.resolve("whole.jar");
    try (OutputStream os = Files.newOutputStream(whole); ZipOutputStream z = new ZipOutputStream(os)) {
      z.putNextEntry(new ZipEntry("META-INF/services/org.align4j.api.stage.Stage"));
      z.write("x.Y\n".getBytes());
      z.putNextEntry(new ZipEntry("x/Y.class"));
      z.write(new byte[4096]);
    }
    byte[] bytes = Files.readAllBytes(whole);
    Files.write(plugins.resolve("truncated.jar"), java.util.Arrays.copyOf(bytes, bytes.length / 2));

    List<String> logged = new CopyOnWriteArrayList<>();
    var ctx = (LoggerContext) LogManager.getContext(false);
    var capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent e) {
        logged.add(e.getMessage().getFormattedMessage());
      }
    };
    capture.start();
    ctx.getConfiguration().getRootLogger().addAppender(capture, null, null);
    ctx.updateLoggers();
    CliResult r;
    try {
      r = run("plugins", "--brief", "--plugins", plugins.toString());
    } finally {
      ctx.getConfiguration().getRootLogger().removeAppender("capture");
      ctx.updateLoggers();
    }
    assertEquals(0, r.code(), r.err());
    String all = r.err() + "\n" + String.join("\n", logged);
    int n = all.split("truncated\\.jar", -1).length - 1;
    assertEquals(1, n, "reported " + n + " times:\n" + all);
    assertTrue(all.contains("not a readable jar"), all);
  }
}
