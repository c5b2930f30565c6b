package dev.dualproc.distill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.*;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Task specs to and from YAML. Strict: unknown keys, wrong types and fractional integers are errors whose message
 * starts with the field path ({@code questions[0].overlay.image: ...}).
 */
public final class TaskSpecYaml {
  private TaskSpecYaml() {}

  // "answer: Yes" must stay text: YAML 1.1 would read yes/no/on/off as booleans
  static final ObjectMapper MAPPER = new ObjectMapper(YAMLFactory.builder()
      .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).build())
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);

  /** A YAML file as an editable tree (an empty file is an empty spec). */
  public static ObjectNode readTree(Path file) {
    try {
      return tree(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (NoSuchFileException e) {
      throw new DualprocException(file + ": no such file");
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  public static ObjectNode tree(String yaml, String origin) {
    try {
      JsonNode n = MAPPER.readTree(yaml);
      if (n == null || n.isMissingNode() || n.isNull()) return MAPPER.createObjectNode();
      if (!n.isObject()) throw new DualprocException(origin + ": expected a mapping of task fields at the top level, got " + n.getNodeType().toString().toLowerCase());
      return (ObjectNode) n;
    } catch (JsonProcessingException e) {
      throw new DualprocException(origin + ": not valid YAML (" + e.getOriginalMessage() + " at line "
          + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ")");
    }
  }

  /** A command-line value read as YAML ("0.3" a number, "[0.2, 0.7]" a list); text that YAML reads as nothing stays text. */
  public static JsonNode scalar(String text, String field) {
    try {
      JsonNode n = MAPPER.readTree(text);
      return n == null || n.isMissingNode() || n.isNull() ? MAPPER.getNodeFactory().textNode(text) : n;
    } catch (JsonProcessingException e) {
      throw new DualprocException(field + ": not a valid value '" + text + "' (" + e.getOriginalMessage() + ")");
    }
  }

  /** The tree as a spec; errors name the field. */
  public static TaskSpec fromTree(ObjectNode tree, String origin) {
    if (tree.has("critic") && tree.get("critic").isArray()) { // critic: [a, b] is an ensemble, as critics: [a, b]
      if (tree.has("critics")) throw new DualprocException("critic, critics: give one critic (critic: REF) or an ensemble (critics: [REF, ...]), not both (" + origin + ")");
      tree = tree.deepCopy();
      tree.set("critics", tree.remove("critic"));
    }
    try {
      return MAPPER.treeToValue(tree, TaskSpec.class);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(Object::toString).sorted()
          .collect(Collectors.joining(", "));
      throw new DualprocException(path(e.getPath()) + ": unknown field" + (known.isEmpty() ? "" : "; expected one of " + known)
          + " (" + origin + ")");
    } catch (InvalidFormatException e) {
      throw new DualprocException(path(e.getPath()) + ": expected " + typeName(e.getTargetType()) + ", got '" + e.getValue() + "' (" + origin + ")");
    } catch (MismatchedInputException e) {
      throw new DualprocException(path(e.getPath()) + ": expected " + typeName(e.getTargetType()) + " (" + origin + ": "
          + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
    } catch (JsonProcessingException e) {
      throw new DualprocException(path(e instanceof JsonMappingException m ? m.getPath() : List.of()) + ": "
          + e.getOriginalMessage() + " (" + origin + ")");
    }
  }

  public static TaskSpec read(Path file) { return fromTree(readTree(file), file.toString()); }

  public static String write(TaskSpec spec) {
    try {
      return MAPPER.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("task spec does not serialise", e);
    }
  }

  /** Copies every field of {@code patch} onto {@code base}: maps merge key by key, anything else replaces. */
  public static ObjectNode merge(ObjectNode base, ObjectNode patch) {
    for (Iterator<String> it = patch.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      JsonNode p = patch.get(k), b = base.get(k);
      if (p.isObject() && b != null && b.isObject()) merge((ObjectNode) b, (ObjectNode) p);
      else base.set(k, p.deepCopy());
    }
    return base;
  }

  static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
      else if (r.getIndex() >= 0) b.append('[').append(r.getIndex()).append(']');
    }
    return b.isEmpty() ? "task" : b.toString();
  }

  private static String typeName(Class<?> t) {
    if (t == null) return "another type";
    if (t == Integer.class || t == int.class || t == Long.class || t == long.class) return "a whole number";
    if (t == Double.class || t == double.class) return "a number";
    if (t == String.class) return "text";
    if (List.class.isAssignableFrom(t)) return "a list";
    if (java.util.Map.class.isAssignableFrom(t) || t.isRecord()) return "a mapping";
    return "a " + t.getSimpleName();
  }
}
