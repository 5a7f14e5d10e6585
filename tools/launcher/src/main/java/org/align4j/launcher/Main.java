package org.align4j.launcher;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code align4j} command line. Exit codes: 0 ok, 1 run failed, 2 bad usage or invalid recipe. */
@Command(
    name = "align4j",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs Llama 2 / Llama 3 post-training recipes (SFT, reward models, rejection sampling, PPO, GAtt, DPO, merging) on libtorch.",
    subcommands = {RunCommand.class, ValidateCommand.class, PluginsCommand.class, CommandLine.HelpCommand.class},
    footer = {
      "",
      "Examples:",
      "  align4j run recipes/quickstart.yaml",
      "  align4j run recipes/quickstart.yaml --set run_dir=runs/qs2 --set stages.sft.options.lr=1e-4",
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

  /** Subcommands contributed by engine, text and data parts (added when present). */
  static final List<String> OPTIONAL_COMMANDS = List.of(
      "org.align4j.launcher.engine.GenerateCommand",
      "org.align4j.launcher.text.TokenizeCommand",
      "org.align4j.launcher.text.DetokenizeCommand",
      "org.align4j.launcher.text.ChatRenderCommand",
      "org.align4j.launcher.data.DataCommand");

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (tests call this). */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** Runs the command line with its output captured (tests, embedding). */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    var cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    try {
      return cl.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  static CommandLine commandLine() {
    var cl = new CommandLine(new Main());
    for (String name : OPTIONAL_COMMANDS) {
      try {
        cl.addSubcommand(Class.forName(name).getDeclaredConstructor().newInstance());
      } catch (ReflectiveOperationException | LinkageError e) {
        // that part is not built into this launcher
      }
    }
    cl.setExitCodeExceptionMapper(t -> USAGE);
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
