package dev.dualproc.cli;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.world.critic.HeldOutAccuracy;
import dev.dualproc.world.critic.VqaBatches;
import dev.dualproc.world.critic.WorldCritic;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `dualproc world eval vlm`: the critic's held-out accuracy per question family on rendered images. */
@Command(name = "vlm", mixinStandardHelpOptions = true,
    description = {"Held-out yes/no accuracy of a critic per question family, on rendered VQA items (overlays included)",
        "from the held-out stream " + VqaBatches.EVAL_STREAM + "; prints a markdown table. Exit 0 when every family reaches --target."})
final class WorldEvalVlmCommand implements Callable<Integer> {
  @Option(names = "--vlm", description = "an Idefics3/Idefics2 snapshot folder (default: the built-in models/world/vlm)") Path vlm;
  @Option(names = "--n", defaultValue = "900", description = "items, spread evenly over the 9 families; default ${DEFAULT-VALUE}") int n;
  @Option(names = "--batch", defaultValue = "64", description = "items per forward pass; default ${DEFAULT-VALUE}") int batch;
  @Option(names = "--target", defaultValue = "0.95", description = "accuracy each family must reach; default ${DEFAULT-VALUE}") double target;
  @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda; default ${DEFAULT-VALUE}") String device;
  @Option(names = "--threads", defaultValue = "0", description = "libtorch CPU threads (0: its default, one per core); 1 is"
      + " much faster on a machine shared with other jobs") int threads;

  @Override public Integer call() {
    if (n < 1) throw new DualprocException("--n: expected at least 1, got " + n);
    if (batch < 1) throw new DualprocException("--batch: expected at least 1, got " + batch);
    if (threads > 0) org.bytedeco.pytorch.global.torch.set_num_threads(threads);
    Placement p = Placement.parse(device, "float32");
    long t0 = System.nanoTime();
    try (IdeficsCritic c = vlm == null ? WorldCritic.open(p) : IdeficsCritic.load(vlm, p)) {
      HeldOutAccuracy a = HeldOutAccuracy.measure(c, VqaBatches.EVAL_STREAM, n, batch);
      System.out.println("critic: " + c.identity());
      System.out.print(a.table());
      System.out.printf(Locale.ROOT, "worst family %.1f%% (target %.0f%%), %.1f s%n", 100 * a.worst(), 100 * target, (System.nanoTime() - t0) / 1e9);
      return a.worst() >= target ? 0 : 1;
    }
  }
}
