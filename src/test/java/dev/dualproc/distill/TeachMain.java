package dev.dualproc.distill;

import dev.dualproc.cli.Main;
import dev.dualproc.cli.TeachCommand;
import picocli.CommandLine;

/** TEST FIXTURE: `dualproc teach` on the tiny test models, for child JVMs that a test kills. */
public final class TeachMain {
  private TeachMain() {}

  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new TeachCommand(TinyModels.MODELS));
    cl.setExecutionExceptionHandler(Main.commandLine().getExecutionExceptionHandler());
    System.exit(cl.execute(args));
  }
}
