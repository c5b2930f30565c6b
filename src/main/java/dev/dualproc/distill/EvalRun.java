package dev.dualproc.distill;

import dev.dualproc.cli.Version;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.*;

/**
 * Re-evaluates a finished run's lora.safetensors on other seeds and prompts: {@code evals/<time>/} gets samples/ and a
 * results.json with the same schema and summary as the run's own.
 */
public final class EvalRun {
  private EvalRun() {}

  public static Path run(RunFolder run, Models models, List<String> prompts, List<Long> seeds) {
    TaskSpec spec = run.spec();
    if (!Files.isRegularFile(run.lora())) throw new DualprocException(run.lora() + ": no LoRA yet (the run has not saved one)");
    if (prompts.isEmpty()) prompts = spec.evalPrompts();
    if (seeds.isEmpty()) seeds = spec.evalSeeds();
    int steps;
    double seconds = 0;
    try (SafeTensorsFile f = SafeTensorsFile.open(run.lora())) {
      steps = Integer.parseInt(f.metadata().getOrDefault("dualproc_steps", "0"));
    } catch (NumberFormatException e) {
      throw new DualprocException(run.lora() + ": metadata dualproc_steps is not a number");
    }
    if (Files.isRegularFile(run.results())) seconds = Results.read(run.results()).seconds();
    Path out = run.evals().resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    for (int k = 2; Files.exists(out); k++) out = out.resolveSibling(out.getFileName() + "-" + k);
    Placement placement = Placement.parse(spec.device(), spec.dtype());
    try (Generator generator = models.generator().apply(spec.generator(), placement);
         Critic critic = CriticEnsemble.open(models.critic(), spec.criticRefs(), placement)) {
      Teacher t = new Teacher(spec, run.dir, generator, critic);
      generator.loraFile().load(run.lora(), t.lora());
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("dualproc_version", Version.get());
      meta.put("generator", generator.identity());
      meta.put("critic", critic.identity());
      meta.put("step", Integer.toString(steps));
      VisualPrompt shown = t.questions().stream().map(AskedQuestion::visualPrompt).filter(Objects::nonNull).findFirst().orElse(null);
      Samples samples = new Samples(out.resolve("samples"), steps, meta, shown);
      List<Results.Entry> eval = Evaluation.run(t, prompts, seeds, samples::add);
      samples.writeGrid();
      Results results = new Results(steps, seconds, steps == 0 ? 0 : seconds / steps, eval, Results.summarize(eval));
      results.write(out.resolve("results.json"));
      return out.resolve("results.json");
    }
  }
}
