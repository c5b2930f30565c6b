package dev.dualproc.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  private static List<Path> list(Path dir, String suffix) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot list (" + e.getMessage() + ")");
    }
  }
}
