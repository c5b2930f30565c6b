package dev.dualproc.cli;

import dev.dualproc.distill.Generator;
import dev.dualproc.distill.Generators;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.world.train.GeneratorEval;
import dev.dualproc.world.train.GeneratorTrainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `dualproc world eval`: the built-in world's models measured on held-out data. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Measure the built-in world's models on held-out data.",
    subcommands = {WorldEvalCommand.GeneratorCmd.class, WorldEvalVlmCommand.class})
public final class WorldEvalCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override public void run() { spec.commandLine().usage(System.out); }

  @Command(name = "generator", mixinStandardHelpOptions = true,
      description = {"Generate from the captions of held-out scenes and judge every image with the verifiers: captioned",
          "objects found with their colours, valid scenes, and the spread of horizon, stroke weight and palette."})
  static final class GeneratorCmd implements Callable<Integer> {
    @Option(names = "--generator", defaultValue = "world", description = "world or a pipeline folder; default ${DEFAULT-VALUE}") String generator;
    @Option(names = "--count", defaultValue = "200", description = "held-out captions; default ${DEFAULT-VALUE}") int count;
    @Option(names = "--first-seed", description = "first held-out scene seed (below 2^40); default " + GeneratorTrainer.HELD_OUT_FIRST_SEED) Long first;
    @Option(names = "--images", description = "folder to write the generated PNGs into (with SEED-rendered.png and SEED-roundtrip.png beside each)") Path images;
    @Option(names = "--guidance", description = "classifier-free guidance scale (default: the pipeline's; 1 = none)") Double guidance;
    @Option(names = "--steps", description = "sampling steps (default: the pipeline's, 8 for the built-in one)") Integer steps;
    @Option(names = "--renoise", split = ",", paramLabel = "T", description = {"also denoise each rendered scene's latent noised to time T (times of the schedule,",
        "e.g. 0,0.25,0.5,0.75,1 with 8 steps): where along the schedule the objects are lost"}) double[] renoise;
    @Option(names = "--latent-blur", split = ",", paramLabel = "A", description = {"also decode each rendered scene's latent blended toward its 3x3 blur by A in [0, 1]",
        "(0 is the round trip): how much latent detail the decoder needs to draw the objects"}) double[] latentBlur;
    @Option(names = "--renoise-kinds-swapped", description = {"with --renoise, also denoise each scene with every kind word of its caption swapped, judged against",
        "the true caption: whether the transformer takes the kinds from the text or from the noisy image"}) boolean renoiseKindsSwapped;
    @Option(names = "--kind-swap", paramLabel = "N", description = {"also generate \"a COLOUR KIND on grass during the day\" for every kind at each of N noise seeds:",
        "is the named object found, and how much does the image change with the kind word alone (with --images: kind-swap.png)"}) Integer kindSwap;

    @Option(names = "--coded-scenes", description = {"judge against the scenes the noise's layout codes name (each held-out seed rendered with its noise's code,",
        "the pairing --layout-from-noise trains on) and generate from their captions, so caption and code agree"}) boolean codedScenes;

    @Option(names = "--local-object-codes", description = "the layout codes of the coded rows (and --coded-scenes) place objects on their best-scoring noise tokens, as world train generator --local-object-codes") boolean localObjectCodes;

    @Override public Integer call() {
      long from = first == null ? GeneratorTrainer.HELD_OUT_FIRST_SEED : first;
      if (from < 0 || from + count > GeneratorTrainer.AE_SEEDS) throw new DualprocException("--first-seed: held-out seeds lie below 2^40");
      if (count < 1) throw new DualprocException("--count: expected at least 1, got " + count);
      if (steps != null && steps < 1) throw new DualprocException("--steps: expected at least 1, got " + steps);
      try (Generator g = Generators.open(generator, Placement.cpu(), new Generators.Size(0, 0, steps == null ? 0 : steps))) {
        if (guidance != null) {
          if (!(g instanceof dev.dualproc.model.flux.FluxPipeline p))
            throw new DualprocException("--guidance: " + g.identity() + " is not a FLUX pipeline");
          p.setGuidanceScale(guidance);
        }
        if (renoise != null && !(g instanceof dev.dualproc.model.flux.FluxPipeline))
          throw new DualprocException("--renoise: " + g.identity() + " is not a FLUX pipeline");
        if (renoise != null) dev.dualproc.world.train.RenoiseEval.validate((dev.dualproc.model.flux.FluxPipeline) g, renoise);
        if (latentBlur != null && !(g instanceof dev.dualproc.model.flux.FluxPipeline))
          throw new DualprocException("--latent-blur: " + g.identity() + " is not a FLUX pipeline");
        if (latentBlur != null) dev.dualproc.world.train.LatentBlurEval.validate(latentBlur);
        if (renoiseKindsSwapped && renoise == null) throw new DualprocException("--renoise-kinds-swapped: give --renoise T,... too");
        if (kindSwap != null && kindSwap < 2) throw new DualprocException("--kind-swap: expected at least 2 seeds, got " + kindSwap);
        if (codedScenes && !(g instanceof dev.dualproc.model.flux.FluxPipeline))
          throw new DualprocException("--coded-scenes: " + g.identity() + " is not a FLUX pipeline");
        System.out.print(GeneratorEval.run(g, from, count, images, codedScenes, localObjectCodes).table());
        if (renoise != null)
          System.out.print("\n" + dev.dualproc.world.train.RenoiseEval.run((dev.dualproc.model.flux.FluxPipeline) g, from, count, renoise, renoiseKindsSwapped).table());
        if (latentBlur != null)
          System.out.print("\n" + dev.dualproc.world.train.LatentBlurEval.run((dev.dualproc.model.flux.FluxPipeline) g, from, count, latentBlur).table());
        if (kindSwap != null) System.out.print("\n" + dev.dualproc.world.train.KindSwapEval.run(g, from, kindSwap, images).table());
      }
      return 0;
    }
  }
}
