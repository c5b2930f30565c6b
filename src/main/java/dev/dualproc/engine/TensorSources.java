package dev.dualproc.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import java.util.stream.Stream;

/** Opens a safetensors file, a sharded index, or the one weights file/index in a folder. */
public final class TensorSources {
  private TensorSources() {}

  public static TensorSource open(Path path) {
    if (Files.isDirectory(path)) {
      List<Path> idx = list(path, ".safetensors.index.json");
      if (idx.size() == 1) return ShardedSafeTensors.open(idx.get(0));
      List<Path> files = list(path, ".safetensors");
      if (files.size() == 1) return SafeTensorsFile.open(files.get(0));
      throw new DualprocException(path + ": expected one *.safetensors file or one *.safetensors.index.json, found "
          + files.size() + " files and " + idx.size() + " indexes");
    }
    if (!Files.exists(path)) throw new DualprocException(path + ": no such file or folder");
    if (path.getFileName().toString().endsWith(".index.json")) return ShardedSafeTensors.open(path);
    return SafeTensorsFile.open(path);
  }

  /** Tensors already in memory as a source (loads return copies), e.g. a state snapshot or a test's tensors. */
  public static TensorSource of(String origin, Map<String, Tensor> tensors) {
    Map<String, Tensor> copy = new LinkedHashMap<>(tensors);
    return new TensorSource() {
      private Tensor get(String name) {
        Tensor t = copy.get(name);
        if (t == null) throw new DualprocException(origin + ": no tensor named '" + name + "'");
        return t;
      }
      @Override public String origin() { return origin; }
      @Override public Collection<String> names() { return Collections.unmodifiableSet(copy.keySet()); }
      @Override public boolean contains(String name) { return copy.containsKey(name); }
      @Override public DType dtype(String name) { return DType.of(get(name).scalar_type()); }
      @Override public long[] shape(String name) { return Tensors.shape(get(name)); }
      @Override public Tensor load(String name) { return get(name).detach().cpu().clone(); }
    };
  }

  private static List<Path> list(Path dir, String suffix) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot list (" + e.getMessage() + ")");
    }
  }
}
