package dev.dualproc.cli;

import dev.dualproc.world.train.KindNetTrainer;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.world.train.DecoderTrainer;
import dev.dualproc.world.train.DecoderTraining;
import dev.dualproc.world.train.GeneratorConfig;
import dev.dualproc.world.train.GeneratorTraining;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `dualproc world train`: trains the built-in world's models. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train the built-in world's models.",
    subcommands = {WorldTrainCommand.GeneratorCmd.class, WorldTrainCommand.DecoderCmd.class, WorldTrainVlmCommand.class,
        WorldTrainCommand.VerifierCmd.class})
public final class WorldTrainCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override public void run() { spec.commandLine().usage(System.out); }

  @Command(name = "generator", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Train the built-in FLUX-family generator on scenes rendered on the fly: first the autoencoder,",
          "then the transformer with its T5 and CLIP text encoders (rectified flow). Runs in chunks: each run trains",
          "--steps N or --minutes M more, resuming from --state; Ctrl-C or SIGTERM checkpoints and stops.",
          "With --out, writes the diffusers pipeline folder (bf16) with MODEL_CARD.md and held-out figures."})
  static final class GeneratorCmd implements Callable<Integer> {
    @Option(names = "--state", defaultValue = "runs/world-generator", description = "state folder (checkpoints, train.log); default ${DEFAULT-VALUE}") Path state;
    @Option(names = "--config", defaultValue = "standard", description = "standard, robust (an autoencoder trained to draw objects from degraded latents), deep (6 + 6 blocks; grows from a standard export by --init-from), latent16, small or micro; default ${DEFAULT-VALUE}") String config;
    @Option(names = "--seed", defaultValue = "0", description = "initial weights and noise; default ${DEFAULT-VALUE}") long seed;
    @Option(names = "--steps", defaultValue = "0", description = "steps to train in this run (autoencoder steps count too)") long steps;
    @Option(names = "--minutes", defaultValue = "0", description = "minutes to train in this run") double minutes;
    @Option(names = "--out", description = "pipeline folder to write at the end, e.g. models/world/generator") Path out;
    @Option(names = "--eval-count", defaultValue = "200", description = "held-out captions measured for the model card (0: none); default ${DEFAULT-VALUE}") int evalCount;
    @Option(names = "--guidance", defaultValue = "1.0", description = "classifier-free guidance of the exported pipeline's generations (1 = none); default ${DEFAULT-VALUE}") double guidance;
    @Option(names = "--checkpoint-minutes", defaultValue = "10", description = "checkpoint every this many minutes; default ${DEFAULT-VALUE}") double checkpointMinutes;
    @Option(names = "--init-from", description = "warm-start a fresh --state from a pipeline folder this command exported (e.g. models/world/generator on a fresh clone)") Path initFrom;
    @Option(names = "--transformer-from", description = "start the transformer and text encoders (not the autoencoder) from a pipeline folder this command exported, before the state's first transformer step (e.g. a new autoencoder config under the committed transformer)") Path transformerFrom;
    @Option(names = "--object-weight", defaultValue = "0", description = "extra flow-loss weight on the latent cells under objects (0: plain mean); fixed for a --state; default ${DEFAULT-VALUE}") double objectWeight;
    @Option(names = "--lr", description = "the transformer's peak learning rate (default: the config's, 5e-4 for standard); fixed for a --state, so lower it on a fresh --init-from state") Double lr;
    @Option(names = "--bf16", description = "the transformer's forward passes in bf16 autocast (weights, gradients and optimiser stay fp32): about 1.5x less CPU per step where the CPU has AVX512-BF16; fixed for a --state") boolean bf16;
    @Option(names = "--repa", defaultValue = "0", description = "weight of representation alignment (REPA): an early block's image tokens predict the frozen critic's SigLIP patch features of the clean scene (0: off); fixed for a --state; default ${DEFAULT-VALUE}") double repa;
    @Option(names = "--scene-map", defaultValue = "0", description = "weight of the scene-map head: an early block's image tokens predict what each latent cell of the clean scene shows (sky, ground, light or an object's kind) and the object's colour (0: off); fixed for a --state; default ${DEFAULT-VALUE}") double sceneMap;
    @Option(names = "--layout-from-noise", description = "choose each training scene's free layout (horizon, stroke weight, palette, object and sun places) from the means of its own noise's packed latent features, so that the flow learns a map from noise to scenes, not their average; fixed for a --state") boolean layoutFromNoise;
    @Option(names = "--local-object-codes", description = "with --layout-from-noise: each object stands on the noise token with the best score of its own packed feature (its place inside the token from two more), not where the noise's means say, so each token reads from its own noise whether an object stands on it; fixed for a --state") boolean localObjectCodes;
    @Option(names = "--high-t", defaultValue = "0", description = "share of each batch drawn at t in [0.9, 1), where only the noise can say the layout (0: off); fixed for a --state; default ${DEFAULT-VALUE}") double highT;
    @Option(names = "--blob-fraction", defaultValue = "0", description = "share of each batch noised (t in 0.25-0.75) from its scene with every object painted as a blob of its colour, asked for the velocity to the real scene: shapes from the kind words (0: off); fixed for a --state; default ${DEFAULT-VALUE}") double blobFraction;
    @Option(names = "--repa-encoder", description = "the critic folder whose vision tower --repa aligns to; default models/world/vlm") Path repaEncoder;
    @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's, one per core); 1 can be faster on a busy machine") Integer threads;
    @Option(names = "--device", defaultValue = "cpu") String device;

    @Override public Integer call() {
      if (steps == 0 && minutes == 0) throw new DualprocException("give --steps N or --minutes M: how much to train in this run");
      Threads.apply(threads);
      GeneratorTraining.Summary s = GeneratorTraining.run(new GeneratorTraining.Options(state, GeneratorConfig.named(config), seed,
          Placement.parse(device, "float32"), steps, minutes, out, evalCount, guidance, checkpointMinutes, new AtomicBoolean(), initFrom, objectWeight, lr == null ? Double.NaN : lr, transformerFrom, bf16, repa,
          repa > 0 && repaEncoder == null ? dev.dualproc.world.critic.WorldCritic.folder() : repaEncoder, sceneMap, blobFraction, layoutFromNoise, highT, localObjectCodes));
      System.out.printf(Locale.ROOT, "%s: autoencoder step %d, transformer step %d, %.0f s of training; this run %.3f s/step%s%n",
          state, s.aeStep(), s.step(), s.seconds(), s.secondsPerStep(), s.stoppedEarly() ? " (stopped; resume with the same command)" : "");
      if (s.eval() != null) System.out.print(s.eval().table());
      if (out != null && !s.stoppedEarly()) System.out.println("wrote " + out);
      return 0;
    }
  }

  @Command(name = "decoder", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Sharpen an exported generator's autoencoder decoder with its encoder frozen (the transformer's latents",
          "stay valid): L1 weighted up on the objects plus an edge term, so trunks, roofs, legs and tyres survive the",
          "round trip through the latent. Runs in chunks resumed from --state; Ctrl-C checkpoints and stops.",
          "With --out, writes the pipeline with the refined decoder, measured on held-out captions (model card section)."})
  static final class DecoderCmd implements Callable<Integer> {
    @Option(names = "--generator", defaultValue = "models/world/generator", description = "the pipeline folder whose decoder to refine; default ${DEFAULT-VALUE}") Path generator;
    @Option(names = "--state", defaultValue = "runs/world-decoder", description = "state folder (checkpoints, train.log); default ${DEFAULT-VALUE}") Path state;
    @Option(names = "--seed", defaultValue = "0", description = "posterior noise; default ${DEFAULT-VALUE}") long seed;
    @Option(names = "--steps", defaultValue = "0", description = "steps to train in this run") long steps;
    @Option(names = "--minutes", defaultValue = "0", description = "minutes to train in this run") double minutes;
    @Option(names = "--out", description = "pipeline folder to write at the end (may be --generator itself)") Path out;
    @Option(names = "--eval-count", defaultValue = "200", description = "held-out captions measured for the model card (0: none); default ${DEFAULT-VALUE}") int evalCount;
    @Option(names = "--checkpoint-minutes", defaultValue = "10", description = "checkpoint every this many minutes; default ${DEFAULT-VALUE}") double checkpointMinutes;
    @Option(names = "--denoised-fraction", defaultValue = "0", description = {"share of each batch decoded from the transformer's own denoising of the scene's",
        "latent noised to a time <= --denoise-from (0: posterior samples only); fixed for a --state; default ${DEFAULT-VALUE}"}) double denoised;
    @Option(names = "--image-blur", defaultValue = "1.0", description = {"with a pipeline's kind channels: the largest share by which half of each batch's image "
        + "channels are blended toward their blur (the kinds must then draw the shapes); fixed for a --state; default ${DEFAULT-VALUE}"}) double imageBlur;
    @Option(names = "--blob-share", defaultValue = "0", description = {"with a pipeline's kind channels: the share of each batch whose image channels "
        + "are those of the scene with its objects painted as blobs of their colour, so the decoder must draw the shapes from the kinds; fixed for a --state; default ${DEFAULT-VALUE}"}) double blobShare;
    @Option(names = "--denoise-from", defaultValue = "0.5", description = "the highest noise time of the denoised items (a time of the pipeline's schedule or above); default ${DEFAULT-VALUE}") double denoiseFrom;
    @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's, one per core)") Integer threads;
    @Option(names = "--device", defaultValue = "cpu") String device;

    @Override public Integer call() {
      Threads.apply(threads);
      DecoderTrainer.Settings d = DecoderTrainer.Settings.DEFAULT;
      DecoderTrainer.Settings settings = new DecoderTrainer.Settings(d.batch(), d.lr(), d.objectWeight(), d.edgeWeight(), denoised, denoised > 0 ? denoiseFrom : 0, imageBlur, blobShare);
      DecoderTraining.Summary s = DecoderTraining.run(new DecoderTraining.Options(generator, state, settings, seed,
          Placement.parse(device, "float32"), steps, minutes, out, evalCount, checkpointMinutes, new AtomicBoolean()));
      System.out.printf(Locale.ROOT, "%s: decoder step %d, %.0f s of training; this run %.3f s/step, last loss %.4f%s%n",
          state, s.step(), s.seconds(), s.secondsPerStep(), s.lastLoss(), s.stoppedEarly() ? " (stopped; resume with the same command)" : "");
      if (s.eval() != null) System.out.print(s.eval().table());
      if (out != null && !s.stoppedEarly()) System.out.println("wrote " + out);
      return 0;
    }
  }

  @Command(name = "verifier", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Train the objects verifier's kind network (which kind a coloured region is, or none) on crops of rendered",
          "scenes, half of them blurred, rescaled, noised or colour-shifted; never on generated images. A few minutes on one",
          "core; every step follows from --seed. Writes kind-net.safetensors and MODEL_CARD.md into --out."})
  static final class VerifierCmd implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "models/world/verifier", description = "folder to write; default ${DEFAULT-VALUE}") Path out;
    @Option(names = "--seed", defaultValue = "0", description = "initial weights and batch order; default ${DEFAULT-VALUE}") long seed;
    @Option(names = "--scenes", defaultValue = "12000", description = "training scenes; default ${DEFAULT-VALUE}") int scenes;
    @Option(names = "--epochs", defaultValue = "12", description = "passes over the crops; default ${DEFAULT-VALUE}") int epochs;
    @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's, one per core)") Integer threads;

    @Override public Integer call() {
      if (scenes < 10) throw new CommandLine.ParameterException(new CommandLine(this), "--scenes must be at least 10, got " + scenes);
      if (epochs < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--epochs must be at least 1, got " + epochs);
      Threads.apply(threads);
      KindNetTrainer.Settings d = KindNetTrainer.Settings.DEFAULT;
      KindNetTrainer.Settings s = new KindNetTrainer.Settings(scenes, d.validationScenes(), epochs, d.batch(), d.lr(), d.weightDecay());
      KindNetTrainer.Result r = KindNetTrainer.train(s, seed, System.out::println);
      String command = "./dualproc world train verifier --seed " + seed + " --scenes " + scenes + " --epochs " + epochs
          + (threads == null ? "" : " --threads " + threads) + " --out " + out;
      KindNetTrainer.write(out, r, s, seed, command);
      System.out.print(KindNetTrainer.card(r, s, seed, command));
      System.out.println("wrote " + out);
      return 0;
    }
  }
}
