package dev.dualproc.world;

import java.util.List;

/**
 * What a caption says: style, the object groups (count of one kind in one colour), ground and time of day (null when
 * not said), and the words the parser did not know (empty for every caption {@link Captions} writes).
 */
public record CaptionSpec(Style style, List<Group> groups, Ground ground, TimeOfDay timeOfDay, List<String> unknownWords) {
  public record Group(Kind kind, NamedColour colour, int count) {}

  public int objectCount() { return groups.stream().mapToInt(Group::count).sum(); }
}
