package org.align4j.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code align4j} command line. Exit codes: 0 ok, 1 run failed, 2 bad usage or invalid recipe. */
@Command(
    name = "align4j",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs Llama 2 / Llama 3 post-training recipes (SFT, reward models, rejection sampling, PPO, GAtt, DPO, merging) on libtorch.",
    subcommands = {RunCommand.class, ValidateCommand.class, PluginsCommand.class,
      org.align4j.launcher.engine.GenerateCommand.class, org.align4j.launcher.text.TokenizeCommand.class,
      org.align4j.launcher.text.DetokenizeCommand.class, org.align4j.launcher.text.ChatRenderCommand.class,
      org.align4j.launcher.data.DataCommand.class, CommandLine.HelpCommand.class},
    footer = {
      "",
      "Examples:",
      "  align4j run recipes/quickstart.yaml",
      "  align4j run recipes/quickstart.yaml --set run_dir=runs/qs2 --set stages.sft.options.optimizer.lr=1e-4",
      "  align4j run my-recipe.yaml --plugins ./my-plugins --dry-run",
      "  align4j validate recipes/llama2-chat.yaml",
      "  align4j plugins",
      "",
      "Exit codes: 0 ok, 1 a stage failed, 2 bad usage or an invalid recipe."
    })
public final class Main {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  /** Subcommands that need Arrow (and so {@code --add-opens=java.base/java.nio=ALL-UNNAMED}). */
  static final java.util.Set<String> NEEDS_ARROW = java.util.Set.of("run", "data");

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (tests call this). */
  public static int execute(String... args) {
    var cl = commandLine();
    return guarded(cl, args);
  }

  /** Runs the command line; what escapes picocli (a JVM error) still ends in one line. */
  private static int guarded(CommandLine cl, String... args) {
    try {
      return cl.execute(args);
    } catch (Throwable t) {
      return Errors.report(t, "align4j" + (args.length > 0 && !args[0].startsWith("-") ? " " + args[0] : ""), cl.getErr());
    }
  }

  /** Runs the command line with its output captured (tests, embedding). */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    var cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    try {
      return guarded(cl, args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  static CommandLine commandLine() {
    var cl = new CommandLine(new Main());
    cl.setExitCodeExceptionMapper(t -> USAGE);
    cl.setExecutionStrategy(parsed -> {
      // commands that open Arrow datasets: the missing JVM flag is reported here, once, with the fix
      var sub = parsed.subcommand();
      if (sub != null && NEEDS_ARROW.contains(sub.commandSpec().name()) && !parsed.isUsageHelpRequested()
          && !sub.isUsageHelpRequested() && !sub.isVersionHelpRequested()) {
        try {
          org.align4j.toolkit.data.Rows.requireArrowAccess();
        } catch (org.align4j.api.Align4jException e) {
          parsed.commandSpec().commandLine().getErr().println("align4j: " + e.getMessage());
          return USAGE;
        }
      }
      return new CommandLine.RunLast().execute(parsed);
    });
    cl.setExecutionExceptionHandler(Errors::handle);
    cl.setParameterExceptionHandler((ex, a) -> {
      ex.getCommandLine().getErr().println("align4j: " + ex.getMessage());
      ex.getCommandLine().getErr().println("Try 'align4j " + (ex.getCommandLine().getCommandName().equals("align4j") ? ""
          : ex.getCommandLine().getCommandName() + " ") + "--help'.");
      return USAGE;
    });
    return cl;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return org.align4j.core.Versions.all().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toArray(String[]::new);
    }
  }
}
