package dev.dualproc.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.eval.SceneAnalysis;
import dev.dualproc.eval.SceneDescription;
import dev.dualproc.eval.Verdict;
import dev.dualproc.eval.Verifier;
import dev.dualproc.eval.VerifierAccuracy;
import dev.dualproc.eval.Verifiers;
import dev.dualproc.world.Captions;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.Style;
import dev.dualproc.world.TruthJson;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.VqaItem;
import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `dualproc world`: the built-in world's scenes, verifiers, their measured accuracy, and critic training questions. */
@Command(name = "world", mixinStandardHelpOptions = true,
    description = "The built-in world: render scenes with ground truth, verify images without a VLM, measure the verifiers, write VQA data, train and measure the built-in models, and make the teaching table.",
    subcommands = {WorldCommand.Render.class, WorldCommand.Verify.class, WorldCommand.Accuracy.class, WorldCommand.Vqa.class,
        WorldTrainCommand.class, WorldEvalCommand.class, WorldTableCommand.class})
public final class WorldCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override public void run() { spec.commandLine().usage(System.out); }

  static final ObjectMapper JSON = new ObjectMapper();

  @Command(name = "render", mixinStandardHelpOptions = true,
      description = "Render scenes: OUT/scene-SEED.png and OUT/scene-SEED.json (caption, horizon, palette, stroke weight, objects, depth map).")
  static final class Render implements Callable<Integer> {
    @Option(names = "--seed", required = true, description = "the first scene's seed") long seed;
    @Option(names = "--out", required = true, description = "output folder") Path out;
    @Option(names = "--count", defaultValue = "1", description = "scenes to render (seeds SEED, SEED+1, ...); default ${DEFAULT-VALUE}") int count;
    @Option(names = "--size", defaultValue = "64", description = "width and height in pixels (>= 64); default ${DEFAULT-VALUE}") int size;
    @Option(names = "--style", description = "photo or drawing (default: drawn from the seed)") String style;
    @Option(names = "--palette", arity = "1", description = "true or false: colours from a palette (default: drawn from the seed)") Boolean palette;

    @Override public Integer call() {
      if (size < 64) throw new DualprocException("--size: expected at least 64, got " + size);
      if (count < 1) throw new DualprocException("--count: expected at least 1, got " + count);
      Style st = style == null ? null : switch (style.toLowerCase(Locale.ROOT)) {
        case "photo" -> Style.PHOTO;
        case "drawing" -> Style.DRAWING;
        default -> throw new DualprocException("--style: expected photo or drawing, got '" + style + "'");
      };
      for (long s = seed; s < seed + count; s++) {
        SceneRenderer.Rendered r = SceneRenderer.render(s, size, size, new SceneRenderer.Options(st, palette));
        Path png = out.resolve("scene-" + s + ".png"), json = out.resolve("scene-" + s + ".json");
        Images.writePng(png, r.image(), Map.of("caption", Captions.caption(r.truth()), "seed", Long.toString(s)));
        AtomicFiles.writeString(json, TruthJson.write(r.truth()));
        System.out.println(png + "  " + Captions.caption(r.truth()));
      }
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Print what the verifiers measure on an image (validity, horizon, stroke weight, colours, objects);",
          "with --preset and --params, the control's verdict; with --prompt, whether the prompt's objects are there.",
          "Exit 0 when every asked check passes on a valid scene, 1 otherwise."})
  static final class Verify implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE", description = "a PNG or JPEG") Path image;
    @Option(names = "--preset", description = "horizon, line-weight, palette, depth or objects") String preset;
    @Option(names = "--params", description = "the control's params as JSON, e.g. '{\"value\":0.3}'") String params;
    @Option(names = "--prompt", description = "the caption the image was generated from") String prompt;
    @Option(names = "--json", description = "print one JSON object instead of lines") boolean json;

    @Override public Integer call() { return verify(System.out, Images.read(image), preset, params, prompt, json); }
  }

  static int verify(PrintStream out, BufferedImage img, String preset, String paramsJson, String prompt, boolean json) {
    if (img.getWidth() < 16 || img.getHeight() < 16)
      throw new DualprocException("image is " + img.getWidth() + "x" + img.getHeight() + "; the verifiers need at least 16x16");
    SceneAnalysis a = SceneAnalysis.of(img);
    Map<String, Object> report = new LinkedHashMap<>();
    Map<String, Object> scene = SceneDescription.of(a);
    report.put("scene", scene);
    boolean ok = true;
    if (preset != null && !preset.equals("objects")) {
      Map<String, Object> p = parseParams(paramsJson);
      Verifier v = Verifiers.forControl(preset, p, prompt)
          .orElseThrow(() -> new DualprocException("--preset: no verifier for '" + preset + "'; expected one of " + Verifiers.PRESETS));
      Verdict d = v.judge(img);
      report.put(preset, verdict(d, scene));
      ok = d.passAndValid();
    }
    if (prompt != null) {
      Verdict d = Verifiers.forControl("objects", Map.of(), prompt).orElseThrow().judge(img);
      report.put("objects", verdict(d, scene));
      ok &= d.passAndValid();
    } else if ("objects".equals(preset)) {
      throw new DualprocException("--preset objects needs --prompt (the caption to check)");
    }
    if (json) {
      try {
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    } else {
      report.forEach((section, body) -> {
        out.println(section + ":");
        ((Map<?, ?>) body).forEach((k, v) -> out.println("  " + k + ": " + v));
      });
    }
    return ok ? 0 : 1;
  }

  /** The verdict, without what the scene section already says. */
  private static Map<String, Object> verdict(Verdict d, Map<String, Object> scene) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pass", d.pass());
    m.put("validScene", d.validScene());
    m.put("passAndValid", d.passAndValid());
    d.measured().forEach((k, v) -> { if (!m.containsKey(k) && !java.util.Objects.equals(v, scene.get(k))) m.put(k, v); });
    return m;
  }

  static Map<String, Object> parseParams(String text) {
    if (text == null || text.isBlank()) return Map.of();
    try {
      return JSON.readValue(text, new TypeReference<Map<String, Object>>() {});
    } catch (Exception e) {
      throw new DualprocException("--params: expected a JSON object such as '{\"value\":0.3}', got '" + text + "'");
    }
  }

  @Command(name = "accuracy", mixinStandardHelpOptions = true,
      description = "Measure every verifier and the validity check on held-out rendered scenes (and scrambled ones); prints a markdown table.")
  static final class Accuracy implements Callable<Integer> {
    @Option(names = "--count", defaultValue = "1000", description = "images; default ${DEFAULT-VALUE}") int count;
    @Option(names = "--first-seed", defaultValue = "11000000", description = "first held-out seed; default ${DEFAULT-VALUE} (1000000.. and 9000000.. were used in development)") long first;
    @Option(names = "--size", defaultValue = "64", description = "width and height; default ${DEFAULT-VALUE}") int size;
    @Option(names = "--failures", defaultValue = "10", description = "failures to list; default ${DEFAULT-VALUE}") int failures;

    @Override public Integer call() {
      if (size < 64) throw new DualprocException("--size: expected at least 64, got " + size);
      VerifierAccuracy.Report r = VerifierAccuracy.run(first, count, size);
      System.out.print(VerifierAccuracy.table(r));
      r.failures().stream().limit(failures).forEach(f -> System.out.println("  " + f));
      return 0;
    }
  }

  @Command(name = "vqa", mixinStandardHelpOptions = true,
      description = {"Write yes/no questions about rendered scenes for training critics: OUT/NNNNNN.png (the scene with its",
          "overlay applied) and OUT/vqa.jsonl (task, question, answer, scene seed, overlay preset/params/mode, hacked)."})
  static final class Vqa implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "0", description = "stream seed; default ${DEFAULT-VALUE}") long seed;
    @Option(names = "--count", required = true, description = "items") int count;
    @Option(names = "--first", defaultValue = "0", description = "first item index; default ${DEFAULT-VALUE}") long first;
    @Option(names = "--size", defaultValue = "64", description = "width and height; default ${DEFAULT-VALUE}") int size;
    @Option(names = "--out", required = true, description = "output folder") Path out;
    @Option(names = "--generated-pool", defaultValue = "0", description = "ask about this many generated images instead (made once"
        + " into --pool-dir, answered by the verifiers; 64x64); 0: rendered scenes; default ${DEFAULT-VALUE}") int generatedPool;
    @Option(names = "--generator", defaultValue = "world", description = "the generator of the pool: world or a pipeline folder; default ${DEFAULT-VALUE}") String generator;
    @Option(names = "--pool-dir", description = "where the generated pool is kept (default OUT/generated-pool)") Path poolDir;

    @Override public Integer call() throws Exception {
      if (size < 64) throw new DualprocException("--size: expected at least 64, got " + size);
      dev.dualproc.world.critic.GeneratedVqa generated = generatedPool > 0 ? generatedVqa() : null;
      if (generated != null && size != 64) throw new DualprocException("--size: generated items are 64x64 (the critic's size)");
      StringBuilder lines = new StringBuilder();
      java.util.List<VqaItem> all = new java.util.ArrayList<>();
      int invalidOverlay = 0, invalidPlain = 0;
      for (long i = first; i < first + count; i++) {
        VqaItem it = generated != null ? generated.item(seed, i) : VqaGenerator.item(seed, i, size);
        all.add(it);
        String file = String.format(Locale.ROOT, "%06d.png", i);
        Images.writePng(out.resolve(file), it.image(), Map.of());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image", file);
        m.put("task", it.task());
        m.put("question", it.question());
        m.put("answer", it.answer());
        m.put("scene_seed", it.sceneSeed());
        m.put("overlay", it.overlayPreset());
        m.put("params", it.overlayParams());
        m.put("mode", it.mode());
        m.put("hacked", it.hacked());
        if (generated != null) {
          boolean valid = dev.dualproc.eval.SceneAnalysis.of(it.scene()).validity.valid();
          m.put("valid_scene", valid);
          if (!valid && it.hasOverlay()) invalidOverlay++;
          else if (!valid) invalidPlain++;
        }
        lines.append(JSON.writeValueAsString(m)).append('\n');
      }
      AtomicFiles.writeString(out.resolve("vqa.jsonl"), lines.toString());
      System.out.println(count + " items in " + out);
      if (generated != null) {
        System.out.println("| family | items | yes | no |\n|---|---|---|---|");
        dev.dualproc.world.critic.GeneratedVqa.balance(all).forEach((t, c) -> System.out.printf(Locale.ROOT, "| %s | %d | %d | %d |%n", t, c[0], c[1], c[0] - c[1]));
        System.out.printf(Locale.ROOT, "items on invalid images (all answered No): %d with an overlay, %d without; valid scenes in the pool:"
            + " %.1f%% of %d; families asked: %s%n", invalidOverlay, invalidPlain, 100 * generated.validRate(), generated.pool().size(), generated.families());
      }
      return 0;
    }

    private dev.dualproc.world.critic.GeneratedVqa generatedVqa() {
      Path folder = "world".equals(generator) ? dev.dualproc.world.BuiltinModels.generator() : Path.of(generator);
      var pool = dev.dualproc.world.critic.GeneratedPool.cached(poolDir != null ? poolDir : out.resolve("generated-pool"), folder,
          () -> dev.dualproc.distill.Generators.open(generator, dev.dualproc.engine.Placement.cpu(), new dev.dualproc.distill.Generators.Size(64, 64, 0)),
          generatedPool, System.out::println);
      return new dev.dualproc.world.critic.GeneratedVqa(pool, VqaGenerator.TASKS);
    }
  }

}
