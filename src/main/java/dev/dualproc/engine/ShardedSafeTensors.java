package dev.dualproc.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.bytedeco.pytorch.Tensor;

/** Several safetensors files behind a `*.safetensors.index.json` weight map. */
public final class ShardedSafeTensors implements TensorSource {
  private final Path index;
  private final Map<String, SafeTensorsFile> byName = new LinkedHashMap<>();
  private final List<SafeTensorsFile> shards = new ArrayList<>();

  private ShardedSafeTensors(Path index) { this.index = index; }

  public static ShardedSafeTensors open(Path index) {
    if (!Files.isRegularFile(index)) throw new DualprocException(index + ": no such file");
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(index));
    } catch (Exception e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
      throw new DualprocException(index + ": not a valid JSON index (" + why + ")");
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) throw new DualprocException(index + ": weight_map: expected an object of tensor name -> shard file");
    ShardedSafeTensors s = new ShardedSafeTensors(index);
    Map<String, SafeTensorsFile> open = new HashMap<>();
    // absolute, so that an index given as a bare file name (no parent) still resolves its shards beside it
    Path folder = index.toAbsolutePath().normalize().getParent();
    try {
      for (var it = map.fields(); it.hasNext(); ) {
        var e = it.next();
        if (!e.getValue().isTextual()) throw new DualprocException(index + ": weight_map." + e.getKey() + ": expected a file name");
        String shard = e.getValue().asText();
        Path shardPath = folder.resolve(shard).normalize();
        if (!shardPath.startsWith(folder) || shardPath.equals(folder))
          throw new DualprocException(index + ": weight_map." + e.getKey() + ": shard '" + shard + "' is outside the folder");
        SafeTensorsFile f = open.computeIfAbsent(shard, k -> {
          SafeTensorsFile opened = SafeTensorsFile.open(shardPath);
          s.shards.add(opened);
          return opened;
        });
        if (!f.contains(e.getKey()))
          throw new DualprocException(index + ": weight_map says '" + e.getKey() + "' is in " + shard + ", but it is not there");
        s.byName.put(e.getKey(), f);
      }
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  public List<SafeTensorsFile> shards() { return Collections.unmodifiableList(shards); }
  private SafeTensorsFile shard(String name) {
    SafeTensorsFile f = byName.get(name);
    if (f == null) throw new DualprocException(index + ": no tensor named '" + name + "'");
    return f;
  }
  @Override public String origin() { return index.toString(); }
  @Override public Collection<String> names() { return byName.keySet(); }
  @Override public boolean contains(String name) { return byName.containsKey(name); }
  @Override public DType dtype(String name) { return shard(name).dtype(name); }
  @Override public long[] shape(String name) { return shard(name).shape(name); }
  @Override public Tensor load(String name) { return shard(name).load(name); }
  @Override public Tensor mapped(String name) { return shard(name).mapped(name); }
  @Override public void close() { for (SafeTensorsFile f : shards) f.close(); }
}
