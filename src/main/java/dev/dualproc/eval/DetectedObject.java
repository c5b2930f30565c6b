package dev.dualproc.eval;

import dev.dualproc.world.Kind;
import dev.dualproc.world.NamedColour;
import java.util.List;

/** An object a verifier found: kind, colour, the box of it and its parts ([x0, x1) x [y0, y1)); it stands on row y1. */
public record DetectedObject(Kind kind, NamedColour colour, int x0, int y0, int x1, int y1, List<Integer> components) {
  public double baseRow() { return y1; }

  public String describe() { return colour.word + " " + kind.singular + " @(" + x0 + "," + y0 + ")-(" + x1 + "," + y1 + ")"; }
}
