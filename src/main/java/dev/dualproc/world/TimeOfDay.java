package dev.dualproc.world;

import java.util.Arrays;
import java.util.Optional;

/** Time of day: the sky gradient (top to horizon), the light on the ground, and what shines in the sky. */
public enum TimeOfDay {
  DAY("during the day", 0x5591E1, 0xAFD2F0, 1.0, 0x000000, 0xFFF08C),
  SUNSET("at sunset", 0x4B4187, 0xFA9B5F, 1.0, 0x000000, 0xFFCD6E),
  NIGHT("at night", 0x19235A, 0x37467D, 0.5, 0x050A14, 0xCDD4E6);

  /** The caption phrase; its last word is the one the caption parser keys on. */
  public final String phrase;
  public final int skyTop, skyHorizon;
  /** Ground colour = groundLight * daylight colour + groundTint (moonlight: darker and bluer). */
  public final double groundLight;
  public final int groundTint;
  /** The sun by day and at sunset, the moon at night. */
  public final int celestial;

  TimeOfDay(String phrase, int skyTop, int skyHorizon, double groundLight, int groundTint, int celestial) {
    this.phrase = phrase;
    this.skyTop = skyTop;
    this.skyHorizon = skyHorizon;
    this.groundLight = groundLight;
    this.groundTint = groundTint;
    this.celestial = celestial;
  }

  public int lightGround(int c) {
    int s = Rgb.scale(c, groundLight);
    return Rgb.of(Rgb.r(s) + Rgb.r(groundTint), Rgb.g(s) + Rgb.g(groundTint), Rgb.b(s) + Rgb.b(groundTint));
  }

  public String word() { return name().toLowerCase(java.util.Locale.ROOT); }

  public String keyword() { return phrase.substring(phrase.lastIndexOf(' ') + 1); }

  public static Optional<TimeOfDay> byKeyword(String word) {
    return Arrays.stream(values()).filter(t -> t.keyword().equals(word)).findFirst();
  }
}
