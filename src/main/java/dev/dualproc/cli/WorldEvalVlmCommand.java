package dev.dualproc.cli;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.world.critic.BrokenScenes;
import dev.dualproc.world.critic.HeldOutAccuracy;
import dev.dualproc.world.critic.HorizonResponse;
import dev.dualproc.world.critic.PositionProbe;
import dev.dualproc.distill.Generator;
import dev.dualproc.distill.Generators;
import dev.dualproc.world.ItemRecipe;
import dev.dualproc.world.VqaGenerator;
import dev.dualproc.world.critic.CriticConfig;
import dev.dualproc.world.critic.GeneratedAgreement;
import dev.dualproc.world.critic.VqaBatches;
import dev.dualproc.world.critic.WorldCritic;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `dualproc world eval vlm`: the critic's held-out accuracy per question family on rendered images. */
@Command(name = "vlm", mixinStandardHelpOptions = true,
    description = {"Held-out yes/no accuracy of a critic per question family, on rendered VQA items (overlays included)",
        "from the held-out stream " + VqaBatches.EVAL_STREAM + "; prints a markdown table. With --generated N, also the agreement with",
        "the verifiers on N items about images generated from held-out captions. Exit 0 when every rendered family reaches",
        "--target and the generated agreement reaches --generated-target."})
final class WorldEvalVlmCommand implements Callable<Integer> {
  @Option(names = "--vlm", description = "an Idefics3/Idefics2 snapshot folder (default: the built-in models/world/vlm)") Path vlm;
  @Option(names = "--n", defaultValue = "900", description = "items, spread evenly over the 9 families; default ${DEFAULT-VALUE}") int n;
  @Option(names = "--batch", defaultValue = "64", description = "items per forward pass; default ${DEFAULT-VALUE}") int batch;
  @Option(names = "--target", defaultValue = "0.95", description = "accuracy each family must reach; default ${DEFAULT-VALUE}") double target;
  @Option(names = "--generated", defaultValue = "0", description = "also measure the agreement with the verifiers on this many"
      + " items about images generated from held-out captions (0: not measured); default ${DEFAULT-VALUE}") int generated;
  @Option(names = "--generator", defaultValue = "world", description = "the generator for --generated: world or a pipeline folder; default ${DEFAULT-VALUE}") String generator;
  @Option(names = "--generated-target", defaultValue = "0.9", description = "overall agreement --generated must reach; default ${DEFAULT-VALUE}") double generatedTarget;
  @Option(names = "--horizon-curve", defaultValue = "0", description = "also print the critic's mean p(Yes) to the horizon question"
      + " against the line's distance from the horizon, over this many held-out rendered scenes (0: not measured); default ${DEFAULT-VALUE}") int horizonCurve;
  @Option(names = "--broken", defaultValue = "0", description = "a diagnostic: on this many held-out broken-scene items (a control's"
      + " true overlay on a scene broken until the validity check rejects it; world train vlm --broken-fraction), the share the critic"
      + " answers No; default ${DEFAULT-VALUE}: not measured") int broken;
  @Option(names = "--position-probe", defaultValue = "0", description = "a diagnostic: on this many held-out scenes (80%% to fit,"
      + " 20%% to score), whether a linear probe reads each patch state's and image token's own half (left/right, top/bottom)"
      + " from that state alone; default ${DEFAULT-VALUE}: not measured") int positionProbe;
  @Option(names = "--left-right-sides", defaultValue = "0", description = "a diagnostic: the share of the held-out left-right items"
      + " asked as which side of the image one object is on (1: side items only, the single lookup a comparison chains;"
      + " default ${DEFAULT-VALUE}: comparisons, the family the must-show counts)") double leftRightSides;
  @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda; default ${DEFAULT-VALUE}") String device;
  @Option(names = "--threads", defaultValue = "0", description = "libtorch CPU threads (0: its default, one per core); 1 is"
      + " much faster on a machine shared with other jobs") int threads;

  @Override public Integer call() {
    if (n < 0 || (n == 0 && generated == 0 && horizonCurve == 0 && positionProbe == 0 && broken == 0))
      throw new DualprocException("--n: expected at least 1 (or 0 with --generated, --horizon-curve, --broken or --position-probe), got " + n);
    if (broken < 0) throw new DualprocException("--broken: expected 0 or more items, got " + broken);
    if (positionProbe != 0 && positionProbe < 5) throw new DualprocException("--position-probe: expected 0 or at least 5 scenes, got " + positionProbe);
    if (horizonCurve < 0) throw new DualprocException("--horizon-curve: expected 0 or more scenes, got " + horizonCurve);
    if (generated < 0) throw new DualprocException("--generated: expected 0 or more items, got " + generated);
    if (!(leftRightSides >= 0 && leftRightSides <= 1)) throw new DualprocException("--left-right-sides: expected a share in [0, 1], got " + leftRightSides);
    if (batch < 1) throw new DualprocException("--batch: expected at least 1, got " + batch);
    if (threads > 0) org.bytedeco.pytorch.global.torch.set_num_threads(threads);
    Placement p = Placement.parse(device, "float32");
    long t0 = System.nanoTime();
    try (IdeficsCritic c = vlm == null ? WorldCritic.open(p) : IdeficsCritic.load(vlm, p)) {
      System.out.println("critic: " + c.identity());
      boolean ok = true;
      if (n > 0) {
        ItemRecipe recipe = new ItemRecipe(ItemRecipe.DEFAULT.horizonNearMiss(), 0, 0, leftRightSides);
        HeldOutAccuracy a = HeldOutAccuracy.measure(c, VqaBatches.EVAL_STREAM, n, batch,
            (first, size) -> VqaBatches.items(VqaBatches.EVAL_STREAM, first, size, VqaGenerator.TASKS, recipe));
        System.out.println("rendered images (held-out stream " + VqaBatches.EVAL_STREAM + "):"
            + (leftRightSides > 0 ? String.format(Locale.ROOT, " %.0f%% of the left-right items ask one object's side", 100 * leftRightSides) : ""));
        System.out.print(a.table());
        System.out.printf(Locale.ROOT, "worst family %.1f%% (target %.0f%%), %.1f s%n", 100 * a.worst(), 100 * target, (System.nanoTime() - t0) / 1e9);
        ok = a.worst() >= target;
      }
      if (generated > 0) {
        long t1 = System.nanoTime();
        try (Generator g = Generators.open(generator, p, new Generators.Size(CriticConfig.IMAGE_SIZE, CriticConfig.IMAGE_SIZE, 0))) {
          GeneratedAgreement ga = GeneratedAgreement.measure(c, g, generated, batch);
          System.out.println("generated images:");
          System.out.print(ga.table());
          System.out.printf(Locale.ROOT, "overall agreement %.1f%% (target %.0f%%), %.1f s%n", 100 * ga.agreement().overall(), 100 * generatedTarget, (System.nanoTime() - t1) / 1e9);
          ok &= ga.agreement().overall() >= generatedTarget;
        }
      }
      if (horizonCurve > 0)
        diagnostic(String.format(Locale.ROOT, "horizon question against the line's distance (%d held-out scenes from seed %d):", horizonCurve, HorizonResponse.FIRST_SEED),
            () -> HorizonResponse.measure(c, horizonCurve).table());
      if (broken > 0) {
        // the graded recipe the critics since stage 3 train on: a Yes horizon line anywhere within the verifier's 3 px
        ItemRecipe graded = new ItemRecipe(ItemRecipe.DEFAULT.horizonNearMiss(), 1.5, 0.25, 0);
        diagnostic(String.format(Locale.ROOT, "broken scenes with the true overlay, answered No (%d held-out items, stream %d):", broken, VqaBatches.EVAL_STREAM),
            () -> HeldOutAccuracy.measure(c, VqaBatches.EVAL_STREAM, broken, batch,
                (first, size) -> BrokenScenes.items(VqaBatches.EVAL_STREAM, first, size, graded)).table("answered No"));
      }
      if (positionProbe > 0)
        diagnostic(String.format(Locale.ROOT, "own position read from each state alone (linear probe, %d held-out scenes from seed %d):", positionProbe, PositionProbe.FIRST_SEED),
            () -> PositionProbe.measure(c, positionProbe).table());
      return ok ? 0 : 1;
    }
  }

  /** Measures a diagnostic, then prints its header, its table and the seconds it took. */
  private static void diagnostic(String header, Supplier<String> table) {
    long t = System.nanoTime();
    String measured = table.get();
    System.out.println(header);
    System.out.print(measured);
    System.out.printf(Locale.ROOT, "%.1f s%n", (System.nanoTime() - t) / 1e9);
  }
}
