package dev.dualproc.tasks;

import java.util.List;

/**
 * A control preset as data (presets.yaml): the overlay mode its questions use ({@code none} for no overlay), the target
 * answer and the question templates.
 */
public record Preset(String name, String mode, String answer, List<String> questions) {
  public boolean hasOverlay() { return !mode.equals("none"); }
}
