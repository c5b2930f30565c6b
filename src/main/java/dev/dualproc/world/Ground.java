package dev.dualproc.world;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Ground types: colour at the horizon (far) and at the bottom of the image (near), in daylight. */
public enum Ground {
  GRASS(0x6E963C, 0x467328),
  DIRT(0xA57850, 0x825A37),
  SAND(0xE8D4A0, 0xD7BE87),
  SNOW(0xE4EAF4, 0xCDD7E8);

  public final int far, near;

  Ground(int far, int near) {
    this.far = far;
    this.near = near;
  }

  public String word() { return name().toLowerCase(Locale.ROOT); }

  public int far(TimeOfDay t) { return t.lightGround(far); }
  public int near(TimeOfDay t) { return t.lightGround(near); }

  public static Optional<Ground> byWord(String word) {
    return Arrays.stream(values()).filter(g -> g.word().equals(word)).findFirst();
  }
}
