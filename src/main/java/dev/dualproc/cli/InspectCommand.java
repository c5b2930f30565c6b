package dev.dualproc.cli;

import dev.dualproc.engine.DType;
import dev.dualproc.engine.ModelLayout;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `dualproc inspect FILE|FOLDER`: the tensors of a safetensors file, index or model folder, from headers only. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {"List the tensors (dtype, shape, parameters) and metadata of a safetensors file, a sharded",
        "*.safetensors.index.json, or a model folder, and name the model layout it recognises.",
        "Reads only headers and configs; every header is validated."})
public final class InspectCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE|FOLDER", description = "a .safetensors file, a .safetensors.index.json, or a model folder")
  Path path;

  @Option(names = "--summary", description = "totals only, no tensor list")
  boolean summary;

  @Override public Integer call() {
    print(System.out, path, summary);
    return 0;
  }

  static void print(PrintStream out, Path path, boolean summary) {
    ModelLayout.Layout layout = ModelLayout.detect(path); // validates every header before anything is printed
    out.println(path);
    out.println("layout: " + layout.description());
    long grandParams = 0, grandBytes = 0;
    int grandTensors = 0;
    for (ModelLayout.Part part : layout.parts()) {
      try (TensorSource src = TensorSources.open(part.weights())) {
        if (!(layout.parts().size() == 1 && part.weights().equals(path))) {
          out.println();
          out.println(part.label() + ": " + part.description());
        }
        if (src instanceof SafeTensorsFile f && !f.metadata().isEmpty()) {
          out.println("  metadata:");
          f.metadata().forEach((k, v) -> out.println("    " + k + ": " + oneLine(v)));
        }
        List<String> names = new ArrayList<>(src.names());
        int width = names.stream().mapToInt(String::length).max().orElse(4);
        long params = 0, bytes = 0;
        Map<DType, Integer> dtypes = new TreeMap<>();
        if (!summary && !names.isEmpty()) out.println("  tensors:");
        for (String n : names) {
          DType d = src.dtype(n);
          long[] shape = src.shape(n);
          long count = 1;
          for (long s : shape) count *= s;
          params += count;
          bytes += count * d.size;
          dtypes.merge(d, 1, Integer::sum);
          if (!summary)
            out.printf(Locale.ROOT, "    %-" + width + "s  %-7s %-22s %,d%n", n, d, Arrays.toString(shape), count);
        }
        StringBuilder dt = new StringBuilder();
        dtypes.forEach((d, c) -> dt.append(dt.isEmpty() ? "" : ", ").append(d).append(' ').append(c));
        out.printf(Locale.ROOT, "  total: %,d tensors, %,d parameters, %s%s%n", names.size(), params, size(bytes),
            dt.isEmpty() ? "" : " (" + dt + ")");
        grandParams += params;
        grandBytes += bytes;
        grandTensors += names.size();
      }
    }
    if (layout.parts().size() > 1)
      out.printf(Locale.ROOT, "%nall files: %,d tensors, %,d parameters, %s%n", grandTensors, grandParams, size(grandBytes));
  }

  static String size(long bytes) {
    if (bytes < 1024) return bytes + " B";
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static String oneLine(String v) {
    String s = v.replace("\n", "\\n");
    return s.length() > 200 ? s.substring(0, 200) + "... (" + v.length() + " chars)" : s;
  }
}
