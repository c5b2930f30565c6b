package dev.dualproc.cli;

import dev.dualproc.engine.HfCache;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;

/** `dualproc doctor`: what this machine gives dualproc (JDK, libtorch, threads, CUDA, cache folders). */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = "Check the set-up: JDK, libtorch version and threads, CUDA, cache folders. Exit 2 when libtorch cannot run.")
public final class DoctorCommand implements Callable<Integer> {
  @Override public Integer call() { return report(System.out); }

  static int report(PrintStream out) {
    int status = 0;
    out.println("dualproc " + Version.get());
    Runtime rt = Runtime.getRuntime();
    out.printf(Locale.ROOT, "java      %s (%s), %s, max heap %s%n", Runtime.version(), System.getProperty("java.vendor"),
        System.getProperty("java.home"), InspectCommand.size(rt.maxMemory()));
    String omp = System.getenv("OMP_WAIT_POLICY");
    try {
      String presets = Loader.getVersion("org.bytedeco", "pytorch");
      String torchVersion = presets == null ? "unknown" : presets.replaceFirst("-[^-]*$", "");
      long t0 = System.nanoTime();
      boolean cudaBuild = torch.hasCUDA(); // loads the natives (seconds on first run: unpacking to the cache)
      long loadMs = (System.nanoTime() - t0) / 1_000_000;
      out.printf(Locale.ROOT, "libtorch  %s (org.bytedeco:pytorch %s, %s, %s build), loaded in %d ms%n", torchVersion, presets,
          Loader.getPlatform(), cudaBuild ? "CUDA" : "CPU", loadMs);
      out.printf(Locale.ROOT, "threads   %d (torch.get_num_threads), %d interop, %d cores; OMP_WAIT_POLICY=%s%n",
          torch.get_num_threads(), torch.get_num_interop_threads(), rt.availableProcessors(),
          omp == null ? "unset (run through ./dualproc, or export OMP_WAIT_POLICY=passive: much faster on few cores)" : omp);
      out.println("check     " + matmulCheck());
      boolean cuda = torch.cuda_is_available();
      int devices = cuda ? torch.cuda_device_count() : 0;
      out.println("cuda      " + (cuda ? "available, " + devices + " device" + (devices == 1 ? "" : "s")
          : "not available" + (cudaBuild ? " (CUDA build, but no usable GPU or driver)"
              : " (CPU build of libtorch; build with ./mvnw -Pgpu package for CUDA)")));
    } catch (Throwable e) { // UnsatisfiedLinkError, ExceptionInInitializerError: report, do not crash
      out.println("libtorch  FAILED to load: " + e);
      status = 2;
    }
    Path natives;
    try {
      natives = Loader.getCacheDir().toPath();
    } catch (IOException e) {
      natives = Path.of(System.getProperty("user.home"), ".javacpp", "cache");
    }
    out.println("caches    natives: " + natives + " (" + folderSize(natives) + ")");
    Path hub = HfCache.hubDir();
    out.println("          HF hub:  " + hub + " (" + folderSize(hub) + ")");
    return status;
  }

  /** 256x256 fp32 matmul against a known result: the natives load and compute. */
  private static String matmulCheck() {
    long t0 = System.nanoTime();
    Tensor a = torch.ones(256, 256);
    double sum = a.matmul(a).sum().item().toDouble(); // every entry is 256
    long us = (System.nanoTime() - t0) / 1000;
    return sum == 256.0 * 256 * 256 ? "fp32 matmul ok (" + us + " us)" : "fp32 matmul WRONG: sum " + sum;
  }

  private static String folderSize(Path dir) {
    if (!Files.isDirectory(dir)) return "missing";
    try (Stream<Path> s = Files.walk(dir)) {
      long bytes = s.filter(Files::isRegularFile).mapToLong(p -> {
        try { return Files.size(p); } catch (IOException e) { return 0; }
      }).sum();
      return InspectCommand.size(bytes);
    } catch (IOException | java.io.UncheckedIOException e) {
      return "unreadable: " + e.getMessage();
    }
  }
}
