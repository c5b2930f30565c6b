package dev.dualproc.world;

import java.util.Arrays;
import java.util.Optional;

/** The object kinds, with the words captions use and their footprint in units of the scene's size step d. */
public enum Kind {
  TREE("tree", "trees", 1.7, 2.45),
  HOUSE("house", "houses", 2.6, 2.5),
  ROCK("rock", "rocks", 2.2, 1.1),
  BALL("ball", "balls", 1.5, 1.5),
  PERSON("person", "people", 0.9, 2.9),
  CAR("car", "cars", 2.6, 1.5);

  public final String singular;
  public final String plural;
  /** Width and height of the whole object, in units of d. */
  public final double width, height;

  Kind(String singular, String plural, double width, double height) {
    this.singular = singular;
    this.plural = plural;
    this.width = width;
    this.height = height;
  }

  public static Optional<Kind> byWord(String word) {
    return Arrays.stream(values()).filter(k -> k.singular.equals(word) || k.plural.equals(word)).findFirst();
  }
}
