package dev.dualproc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `dualproc world train`: the trainers of the built-in models, one subcommand each. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train the built-in world's models (seeded, resumable).",
    subcommands = {
        // one line per built-in model
        WorldTrainVlmCommand.class,
    })
public final class WorldTrainCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override public void run() { spec.commandLine().usage(System.out); }
}
