package dev.dualproc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `dualproc dev ...`: tools for developing and testing dualproc itself. */
@Command(name = "dev", mixinStandardHelpOptions = true, description = "Developer tools (test models).",
    subcommands = {DevTinyModelCommand.class})
public final class DevCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }
}
