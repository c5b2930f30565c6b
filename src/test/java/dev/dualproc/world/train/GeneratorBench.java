package dev.dualproc.world.train;

import dev.dualproc.engine.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Seconds per step of each phase for a config: {@code GeneratorBench CONFIG AE_STEPS FLOW_STEPS}. Not a test. */
public final class GeneratorBench {
  static long cpu() { return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime(); }

  public static void main(String[] args) throws Exception {
    GeneratorConfig cfg = GeneratorConfig.named(args[0]);
    if (args.length > 4) org.bytedeco.pytorch.global.torch.set_num_threads(Integer.parseInt(args[4]));
    if (args.length > 3 && args[3].equals("flush")) System.out.println("flush denormals: " + org.bytedeco.pytorch.Context.setFlushDenormal(true));
    int aeSteps = Integer.parseInt(args[1]), flowSteps = Integer.parseInt(args[2]);
    Path state = Files.createTempDirectory("genbench");
    GeneratorTrainer t = GeneratorTrainer.open(state, cfg, 0, Placement.cpu());
    System.out.printf(Locale.ROOT, "%s: autoencoder %,d params, transformer+text %,d params, threads %d%n", cfg.name(),
        t.aeParams.count(), t.model.count(), org.bytedeco.pytorch.global.torch.get_num_threads());
    if (aeSteps > 0) t.trainStep(); // warm-up
    long t0 = System.nanoTime(), c0 = cpu();
    for (int i = 0; i < aeSteps; i++) t.trainStep();
    double ae = (System.nanoTime() - t0) / 1e9 / Math.max(1, aeSteps), aeCpu = (cpu() - c0) / 1e9 / Math.max(1, aeSteps);
    t.aeStep = cfg.aeSteps();
    long f0 = System.nanoTime();
    t.fitLatentScale();
    double fit = (System.nanoTime() - f0) / 1e9;
    // BENCH_AUTOCAST=1: the whole flow step (encode included) in bf16 autocast, fp32 weights and optimiser
    dev.dualproc.engine.Autocast autocast = dev.dualproc.engine.Autocast.cpuBf16("1".equals(System.getenv("BENCH_AUTOCAST")), Placement.cpu());
    t.trainStep(); // warm-up
    long t1 = System.nanoTime(), c1 = cpu();
    GeneratorTrainer.StepResult r = null;
    double avg = 0;
    for (int i = 0; i < flowSteps; i++) {
      r = t.trainStep();
      avg += r.loss();
      if ((i + 1) % 20 == 0) { System.out.printf(Locale.ROOT, "flow %d mean loss %.4f%n", i + 1, avg / 20); avg = 0; }
    }
    double flow = (System.nanoTime() - t1) / 1e9 / Math.max(1, flowSteps), flowCpu = (cpu() - c1) / 1e9 / Math.max(1, flowSteps);
    System.out.printf(Locale.ROOT, "%s: ae %.3f s/step wall, %.3f CPU-s/step (batch %d); latent fit %.1f s; flow %.3f s/step wall, %.3f CPU-s/step (batch %d); last loss %s%n",
        cfg.name(), ae, aeCpu, cfg.aeBatch(), fit, flow, flowCpu, cfg.batch(), r == null ? "-" : String.format(Locale.ROOT, "%.4f", r.loss()));
    autocast.close();
    GeneratorTrainer.deleteTree(state);
  }
}
