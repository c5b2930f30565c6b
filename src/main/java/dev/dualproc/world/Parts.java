package dev.dualproc.world;

/** Fixed colours of object parts and marks that do not take the object's colour. */
public final class Parts {
  private Parts() {}

  /** Tree trunks, house roofs and doors. */
  public static final int WOOD = 0x693E1E;
  public static final int SKIN = 0xD49876;
  public static final int LEGS = 0x262A58;
  public static final int TYRE = 0x202020;
  /** Outlines in the drawing style. */
  public static final int OUTLINE = 0x121212;
  public static final int STAR = 0xEBEBD2;
}
