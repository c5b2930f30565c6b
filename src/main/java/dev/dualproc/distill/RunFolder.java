package dev.dualproc.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.*;

/**
 * A run folder, {@code runs/<yyyyMMdd-HHmmss>-<slug>/}: task.yaml (the resolved task; overlay images copied into
 * overlays/), lora.safetensors, state/checkpoint.safetensors, samples/, metrics.jsonl, readouts.jsonl, results.json,
 * report.html.
 */
public final class RunFolder {
  public final Path dir;

  private RunFolder(Path dir) { this.dir = dir; }

  public Path taskYaml() { return dir.resolve("task.yaml"); }
  public Path lora() { return dir.resolve("lora.safetensors"); }
  public Path loraKohya() { return dir.resolve("lora-kohya.safetensors"); }
  public Path checkpoint() { return dir.resolve("state").resolve("checkpoint.safetensors"); }
  public Path samples() { return dir.resolve("samples"); }
  public Path metrics() { return dir.resolve("metrics.jsonl"); }
  public Path readouts() { return dir.resolve("readouts.jsonl"); }
  public Path results() { return dir.resolve("results.json"); }
  public Path report() { return dir.resolve("report.html"); }
  public Path evals() { return dir.resolve("evals"); }

  /** Creates a new folder under {@code runsDir}, copies overlay files in, and writes task.yaml. */
  public static RunFolder create(Path runsDir, TaskSpec resolved, LocalDateTime now) {
    String base = now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + slug(resolved);
    Path dir = runsDir.resolve(base);
    for (int k = 2; Files.exists(dir); k++) dir = runsDir.resolve(base + "-" + k);
    try {
      Files.createDirectories(dir.resolve("state"));
      Files.createDirectories(dir.resolve("samples"));
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot create the run folder (" + e.getMessage() + ")", e);
    }
    RunFolder run = new RunFolder(dir);
    List<TaskSpec.Question> qs = new ArrayList<>();
    for (int i = 0; i < resolved.questions().size(); i++) {
      TaskSpec.Question q = resolved.questions().get(i);
      if (q.overlay() != null && q.overlay().image() != null) {
        Path src = Path.of(q.overlay().image());
        String name = src.getFileName().toString();
        Path rel = Path.of("overlays", "q" + i + name.substring(Math.max(0, name.lastIndexOf('.'))));
        try {
          AtomicFiles.write(dir.resolve(rel), Files.readAllBytes(src));
        } catch (IOException e) {
          throw new DualprocException(src + ": cannot copy the overlay into the run (" + e.getMessage() + ")", e);
        }
        q = new TaskSpec.Question(q.question(), q.answer(), new TaskSpec.Overlay(rel.toString(), null, null), q.mode());
      }
      qs.add(q);
    }
    TaskSpec stored = resolved.withQuestions(qs);
    AtomicFiles.writeString(run.taskYaml(), TaskSpecYaml.write(stored));
    return run;
  }

  /** An existing run folder (it must hold task.yaml). */
  public static RunFolder open(Path dir) {
    if (!Files.isDirectory(dir)) throw new DualprocException(dir + ": no such run folder");
    if (!Files.isRegularFile(dir.resolve("task.yaml"))) throw new DualprocException(dir + ": not a run folder (no task.yaml)");
    return new RunFolder(dir);
  }

  /** The task as stored, resolved against this folder (overlay paths are relative to it). */
  public TaskSpec spec() { return TaskSpecCheck.resolve(TaskSpecYaml.read(taskYaml()), dir); }

  /** SHA-256 of task.yaml's bytes: a checkpoint is only resumed under the task it was made for. */
  public String specHash() {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(taskYaml()));
      return HexFormat.of().formatHex(d);
    } catch (Exception e) {
      throw new DualprocException(taskYaml() + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** Appends one JSON line (a record or map); a crash leaves at most a partial last line, dropped on resume. */
  public static void appendJsonl(Path file, Object value) {
    try {
      String line = JSONL.writeValueAsString(value) + "\n";
      Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot append (" + e.getMessage() + ")", e);
    }
  }

  /** Keeps only the complete lines whose "step" is at most {@code step} (resume: later ones are redone). */
  public static void truncateJsonl(Path file, int step) {
    if (!Files.exists(file)) return;
    try {
      StringBuilder kept = new StringBuilder();
      String text = Files.readString(file, StandardCharsets.UTF_8);
      for (String line : text.split("\n", -1)) {
        if (line.isBlank()) continue;
        JsonNode n;
        try { n = JSONL.readTree(line); } catch (IOException partial) { continue; }
        if (n != null && n.has("step") && n.get("step").asInt() <= step) kept.append(line).append('\n');
      }
      AtomicFiles.writeString(file, kept.toString());
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  static final ObjectMapper JSONL = new ObjectMapper().setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

  static String slug(TaskSpec s) {
    String words = (s.preset() == null ? "" : s.preset() + " ") + s.prompts().get(0);
    String slug = words.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (slug.length() > 40) slug = slug.substring(0, 40).replaceAll("-+$", "");
    return slug.isEmpty() ? "task" : slug;
  }
}
