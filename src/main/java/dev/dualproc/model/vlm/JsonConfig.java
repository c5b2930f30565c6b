package dev.dualproc.model.vlm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One object of an HF json file (config.json, preprocessor_config.json), read field by field with the library's
 * defaults; a wrong type names the file and the field path.
 */
final class JsonConfig {
  private static final ObjectMapper JSON = new ObjectMapper();
  final JsonNode node;
  final String where;

  private JsonConfig(JsonNode node, String where) { this.node = node; this.where = where; }

  static JsonConfig read(Path file) {
    if (!Files.isRegularFile(file)) throw new DualprocException(file + ": missing (expected an HF json file)");
    try {
      JsonNode n = JSON.readTree(file.toFile());
      if (n == null || !n.isObject()) throw new DualprocException(file + ": expected a JSON object");
      return new JsonConfig(n, file.toString());
    } catch (IOException e) {
      throw new DualprocException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
    }
  }

  static JsonConfig empty(String where) { return new JsonConfig(JsonNodeFactory.instance.objectNode(), where); }

  boolean has(String name) { return node.has(name) && !node.get(name).isNull(); }

  /** The nested object, or an empty one when absent (every field then takes its default). */
  JsonConfig child(String name) {
    if (!has(name)) return empty(where + ": " + name);
    JsonNode c = node.get(name);
    if (!c.isObject()) throw bad(name, "an object");
    return new JsonConfig(c, where + ": " + name);
  }

  JsonConfig requireChild(String name) {
    if (!has(name)) throw new DualprocException(where + ": missing field '" + name + "'");
    return child(name);
  }

  int integer(String name, Integer dflt) {
    if (!has(name)) return required(name, dflt);
    JsonNode v = node.get(name);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) throw bad(name, "an integer");
    return v.intValue();
  }

  double number(String name, Double dflt) {
    if (!has(name)) return required(name, dflt);
    JsonNode v = node.get(name);
    if (!v.isNumber()) throw bad(name, "a number");
    return v.doubleValue();
  }

  boolean bool(String name, Boolean dflt) {
    if (!has(name)) return required(name, dflt);
    JsonNode v = node.get(name);
    if (!v.isBoolean()) throw bad(name, "true or false");
    return v.booleanValue();
  }

  String string(String name, String dflt) {
    if (!has(name)) return required(name, dflt);
    JsonNode v = node.get(name);
    if (!v.isTextual()) throw bad(name, "a string");
    return v.textValue();
  }

  double[] numbers(String name, double[] dflt) {
    if (!has(name)) return required(name, dflt);
    JsonNode v = node.get(name);
    if (v.isNumber()) return new double[] {v.doubleValue()};
    if (!v.isArray()) throw bad(name, "a number or a list of numbers");
    double[] out = new double[v.size()];
    for (int i = 0; i < out.length; i++) {
      if (!v.get(i).isNumber()) throw bad(name, "a list of numbers");
      out[i] = v.get(i).doubleValue();
    }
    return out;
  }

  /** A field that must be positive (sizes, counts). */
  int positive(String name, Integer dflt) {
    int v = integer(name, dflt);
    if (v <= 0) throw new DualprocException(where + ": field '" + name + "' must be positive, got " + v);
    return v;
  }

  private <T> T required(String name, T dflt) {
    if (dflt == null) throw new DualprocException(where + ": missing field '" + name + "'");
    return dflt;
  }

  private DualprocException bad(String name, String expected) {
    return new DualprocException(where + ": field '" + name + "' must be " + expected + ", got " + node.get(name));
  }
}
