package dev.dualproc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `dualproc world eval`: held-out measurements of the built-in models, one subcommand each. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Measure the built-in world's models on held-out data.",
    subcommands = {
        // one line per built-in model
        WorldEvalVlmCommand.class,
    })
public final class WorldEvalCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override public void run() { spec.commandLine().usage(System.out); }
}
