package dev.dualproc.cli;

import dev.dualproc.engine.DualprocException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `dualproc` command line. */
@Command(name = "dualproc", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Teach text-to-image generators new controls by asking a vision-language model about their images.",
    subcommands = {
        // one line per command family; keep this list the only shared edit point
        CommandLine.HelpCommand.class,
        InspectCommand.class,
        DoctorCommand.class,
        TeachCommand.class,
        GenerateCommand.class,
        WorldCommand.class,
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override public void run() { spec.commandLine().usage(System.out); }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, line, parse) -> {
      if (ex instanceof DualprocException) {
        System.err.println("dualproc: " + ex.getMessage().lines().findFirst().orElse(""));
        return 2;
      }
      throw ex;
    });
    return cl;
  }

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    System.exit(code);
  }
}
