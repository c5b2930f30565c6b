package dev.dualproc.model.text;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * Hand-built SentencePiece precompiled charsmaps (darts-clone double-array tries): a sound one that maps "A" to "a",
 * and damaged ones. A unit is offset << 10 | has_leaf << 8 | label; a lookup of byte c from node base reads unit
 * base ^ c, and a leaf's replacement index sits in the unit at base' = position ^ offset.
 */
final class Charsmaps {
  private Charsmaps() {}

  /** Root at unit 0 (offset 0), "A" (0x41) at unit 0x41 with a leaf whose value unit is 256, 512 units in all. */
  static int[] upperAToLowerAUnits(int replacementIndex) {
    int[] units = new int[512];
    units[0x41] = (0x41 ^ 256) << 10 | 1 << 8 | 0x41;
    units[256] = replacementIndex;
    return units;
  }

  static int[] upperAToLowerAUnits() { return upperAToLowerAUnits(0); }

  static byte[] upperAToLowerA() { return of(upperAToLowerAUnits(), "a\0"); }

  static byte[] upperAToLowerA(int replacementIndex) { return of(upperAToLowerAUnits(replacementIndex), "a\0"); }

  static byte[] random(long seed) {
    Random r = new Random(seed);
    int[] units = new int[256];
    for (int i = 0; i < units.length; i++) units[i] = r.nextInt();
    return of(units, "a\0");
  }

  static byte[] of(int[] units, String strings) { return withRawStrings(units, strings.getBytes(StandardCharsets.UTF_8)); }

  static byte[] withRawStrings(int[] units, byte[] strings) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * units.length + strings.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(4 * units.length);
    for (int u : units) b.putInt(u);
    b.put(strings);
    return b.array();
  }

  static byte[] truncated(byte[] map, int length) { return Arrays.copyOf(map, length); }
}
