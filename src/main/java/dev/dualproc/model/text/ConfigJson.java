package dev.dualproc.model.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A model's config.json, read field by field: every error names the file, the field and what was expected. */
final class ConfigJson {
  final String file;
  final JsonNode root;

  ConfigJson(String file, JsonNode root) { this.file = file; this.root = root; }

  static ConfigJson read(Path path) {
    try {
      JsonNode root = new ObjectMapper().readTree(Files.readString(path));
      if (root == null || !root.isObject()) throw new DualprocException(path + ": expected a JSON object");
      return new ConfigJson(path.toString(), root);
    } catch (NoSuchFileException e) {
      throw new DualprocException(path + ": no such file (a model folder needs its config.json)");
    } catch (IOException e) {
      throw new DualprocException(path + ": not valid JSON (" + firstLine(e.getMessage()) + ")");
    }
  }

  /** The object under {@code name} (e.g. CLIPModel's text_config), as its own config with a dotted path. */
  ConfigJson child(String name) { return new ConfigJson(file + " (" + name + ")", root.get(name)); }

  boolean has(String name) { return root.hasNonNull(name); }

  int requireInt(String name) {
    JsonNode n = root.get(name);
    if (n == null || n.isNull()) throw new DualprocException(file + ": " + name + ": missing (expected a positive integer)");
    return positiveInt(name, n);
  }

  int optInt(String name, int fallback) {
    JsonNode n = root.get(name);
    return n == null || n.isNull() ? fallback : positiveInt(name, n);
  }

  /** An integer that may be zero or negative (token ids). */
  long optLong(String name, long fallback) {
    JsonNode n = root.get(name);
    if (n == null || n.isNull()) return fallback;
    if (!n.isIntegralNumber() || !n.canConvertToLong()) throw new DualprocException(file + ": " + name + ": expected an integer, got " + brief(n));
    return n.asLong();
  }

  double optPositiveDouble(String name, double fallback) {
    JsonNode n = root.get(name);
    if (n == null || n.isNull()) return fallback;
    if (!n.isNumber() || !(n.asDouble() > 0) || Double.isInfinite(n.asDouble()))
      throw new DualprocException(file + ": " + name + ": expected a positive number, got " + brief(n));
    return n.asDouble();
  }

  String optString(String name, String fallback) {
    JsonNode n = root.get(name);
    if (n == null || n.isNull()) return fallback;
    if (!n.isTextual()) throw new DualprocException(file + ": " + name + ": expected a string, got " + brief(n));
    return n.asText();
  }

  Boolean optBoolean(String name) {
    JsonNode n = root.get(name);
    if (n == null || n.isNull()) return null;
    if (!n.isBoolean()) throw new DualprocException(file + ": " + name + ": expected true or false, got " + brief(n));
    return n.asBoolean();
  }

  DualprocException error(String name, String message) { return new DualprocException(file + ": " + name + ": " + message); }

  private int positiveInt(String name, JsonNode n) {
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() <= 0 || n.asLong() > Integer.MAX_VALUE)
      throw new DualprocException(file + ": " + name + ": expected a positive integer, got " + brief(n));
    return n.asInt();
  }

  static String brief(JsonNode n) {
    String s = n.toString();
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  static String firstLine(String s) { return s == null ? "" : s.lines().findFirst().orElse(""); }
}
