package org.align4j.launcher.data;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code align4j data head|stats|convert}. */
@Command(name = "data", mixinStandardHelpOptions = true,
    description = "Look at and convert datasets (Arrow IPC files/streams/directories, Parquet, JSONL, JSONL.gz).",
    subcommands = {DataHeadCommand.class, DataStatsCommand.class, DataConvertCommand.class},
    footer = {"", "Examples:",
        "  align4j data head runs/qs/tasks/sft -n 3",
        "  align4j data stats runs/qs/sft/tokenized",
        "  align4j data convert hh-rlhf/train.jsonl.gz prefs.arrow --shape preferences --on-error skip"})
public final class DataCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
