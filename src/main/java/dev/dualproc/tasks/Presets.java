package dev.dualproc.tasks;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.io.InputStream;
import java.util.*;

/** The control presets (palette, line-weight, horizon, depth, free), read from presets.yaml. */
public final class Presets {
  private Presets() {}

  private record Entry(String mode, String answer, List<String> questions) {}

  private static final Map<String, Preset> BY_NAME = load();

  private static Map<String, Preset> load() {
    try (InputStream in = Presets.class.getResourceAsStream("presets.yaml")) {
      Map<String, Entry> raw = new ObjectMapper(new YAMLFactory()).readValue(in, new TypeReference<LinkedHashMap<String, Entry>>() {});
      Map<String, Preset> out = new LinkedHashMap<>();
      raw.forEach((name, e) -> out.put(name, new Preset(name, e.mode(), e.answer(), List.copyOf(e.questions()))));
      return Collections.unmodifiableMap(out);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("presets.yaml (a resource of dualproc) is unreadable", e);
    }
  }

  public static Set<String> names() { return BY_NAME.keySet(); }

  /** The preset, or an error naming {@code field} and the known presets. */
  public static Preset get(String name, String field) {
    Preset p = BY_NAME.get(name);
    if (p == null) throw new DualprocException(field + ": unknown preset '" + name + "'; expected one of " + String.join(", ", names()));
    return p;
  }

  /** The preset's questions with the parameters filled in (depth: {near} and {far} from the target). */
  public static List<String> questions(String preset, Map<String, Object> params) {
    Preset p = get(preset, "preset");
    String near = "A", far = "B";
    if (preset.equals("depth") && "B".equals(params.get("closer"))) { near = "B"; far = "A"; }
    List<String> out = new ArrayList<>();
    for (String t : p.questions()) out.add(t.replace("{near}", near).replace("{far}", far));
    return out;
  }
}
