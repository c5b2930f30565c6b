package dev.dualproc.world.table;

/** One teach run of the table: a preset, one of its prompts (1-based number) and a teaching seed. */
public record Cell(String preset, int promptNumber, String prompt, long teachingSeed) {
  /** The cell's file and run-folder name: {@code <preset>-<prompt#>-<seed>}. */
  public String id() { return preset + "-" + promptNumber + "-" + teachingSeed; }
}
