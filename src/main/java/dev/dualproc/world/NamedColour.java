package dev.dualproc.world;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The nameable colours of the world: the seven object colours (captioned) and two more that palettes may use for sky
 * or ground. Pairwise at least 78 apart in RGB, so a verifier can name every one of them.
 */
public enum NamedColour {
  RED("red", 0xD72626, true),
  ORANGE("orange", 0xF58714, true),
  YELLOW("yellow", 0xF5D723, true),
  GREEN("green", 0x23B941, true),
  BLUE("blue", 0x2855E1, true),
  PURPLE("purple", 0x8C3CBE, true),
  WHITE("white", 0xF8F8F8, true),
  PINK("pink", 0xF587BE, false),
  CYAN("cyan", 0x32CDD7, false);

  public final String word;
  public final int rgb;
  /** Whether objects take this colour (and captions name it). */
  public final boolean objectColour;

  NamedColour(String word, int rgb, boolean objectColour) {
    this.word = word;
    this.rgb = rgb;
    this.objectColour = objectColour;
  }

  public static final List<NamedColour> OBJECT = Arrays.stream(values()).filter(c -> c.objectColour).toList();

  public static Optional<NamedColour> byWord(String word) {
    return Arrays.stream(values()).filter(c -> c.word.equals(word)).findFirst();
  }

  public String hex() { return Rgb.hex(rgb); }
}
