package dev.dualproc.model.flux;

import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.ones;
import static org.bytedeco.pytorch.global.torch.zeros;

/**
 * The autoencoder on disk: the BFL single file ({@code ae.safetensors}), the diffusers {@code vae/} folder
 * ({@code config.json} + {@code diffusion_pytorch_model.safetensors}), a diffusers pipeline folder holding {@code vae/};
 * and random-weight autoencoders written in the diffusers layout for tests.
 */
public final class AutoEncoderFiles {
  private AutoEncoderFiles() {}

  public static final String DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors";
  public static final String DIFFUSERS_INDEX = "diffusion_pytorch_model.safetensors.index.json";
  public static final String BFL_FILE = "ae.safetensors";

  /**
   * Loads from a BFL file (FLUX.1 params), a diffusers {@code vae/} folder or pipeline folder (params from its
   * config.json), or a folder holding {@code ae.safetensors}.
   */
  public static AutoEncoder load(Path path, Placement placement) { return load(path, null, placement); }

  /** As {@link #load(Path, Placement)}, with the params given (null: from config.json, else FLUX.1). */
  public static AutoEncoder load(Path path, AutoEncoderParams params, Placement placement) {
    Path weights = weightsFile(path);
    Path config = weights.resolveSibling("config.json");
    try (TensorSource raw = TensorSources.open(weights)) {
      boolean diffusers = AutoEncoderKeys.isDiffusers(raw.names());
      AutoEncoderParams p = params != null ? params
          : diffusers && Files.isRegularFile(config) ? AutoEncoderParams.fromJson(config)
          : diffusers ? failNoConfig(weights) : AutoEncoderParams.flux();
      TensorSource named = diffusers ? AutoEncoderKeys.bflView(raw, p.levels()) : raw;
      return AutoEncoder.load(named, p, placement);
    }
  }

  private static AutoEncoderParams failNoConfig(Path weights) {
    throw new DualprocException(weights + ": diffusers autoencoder weights without a config.json beside them");
  }

  /** The weights file (or sharded index) that {@code path} names or holds. */
  static Path weightsFile(Path path) {
    if (!Files.exists(path)) throw new DualprocException(path + ": no such file or folder");
    if (!Files.isDirectory(path)) return path;
    if (Files.isDirectory(path.resolve("vae"))) return weightsFile(path.resolve("vae"));
    for (String name : List.of(DIFFUSERS_WEIGHTS, DIFFUSERS_INDEX, BFL_FILE))
      if (Files.isRegularFile(path.resolve(name))) return path.resolve(name);
    return path; // TensorSources.open says what it found instead
  }

  /** Every BFL key of the autoencoder with its shape, in state_dict order. */
  public static Map<String, long[]> bflShapes(AutoEncoderParams p) {
    Map<String, long[]> s = new LinkedHashMap<>();
    conv(s, "encoder.conv_in", p.inChannels(), p.ch(), 3);
    long in = p.ch();
    for (int i = 0; i < p.levels(); i++) {
      for (int j = 0; j < p.numResBlocks(); j++) {
        resnet(s, "encoder.down." + i + ".block." + j, in, p.channels(i));
        in = p.channels(i);
      }
      if (i < p.levels() - 1) conv(s, "encoder.down." + i + ".downsample.conv", in, in, 3);
    }
    mid(s, "encoder.mid", in);
    norm(s, "encoder.norm_out", in);
    conv(s, "encoder.conv_out", in, 2L * p.zChannels(), 3);

    long deep = p.channels(p.levels() - 1);
    conv(s, "decoder.conv_in", p.zChannels(), deep, 3);
    mid(s, "decoder.mid", deep);
    Map<Integer, Map<String, long[]>> up = new LinkedHashMap<>();
    in = deep;
    for (int i = p.levels() - 1; i >= 0; i--) {
      Map<String, long[]> level = new LinkedHashMap<>();
      for (int j = 0; j <= p.numResBlocks(); j++) {
        resnet(level, "decoder.up." + i + ".block." + j, in, p.channels(i));
        in = p.channels(i);
      }
      if (i > 0) conv(level, "decoder.up." + i + ".upsample.conv", in, in, 3);
      up.put(i, level);
    }
    for (int i = 0; i < p.levels(); i++) s.putAll(up.get(i));
    norm(s, "decoder.norm_out", in);
    conv(s, "decoder.conv_out", in, p.outCh(), 3);
    return s;
  }

  /**
   * Random BFL-named weights: convs uniform in +-1/sqrt(fan_in) (PyTorch's default bound), norms weight 1 and bias 0
   * plus 0.02 N(0,1) so that none is trivially the identity.
   */
  public static Map<String, Tensor> randomBfl(AutoEncoderParams p, long seed) {
    Generator g = Rng.generator(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : bflShapes(p).entrySet()) {
      long[] shape = e.getValue();
      String key = e.getKey();
      boolean isNorm = key.contains("norm");
      Tensor t;
      if (isNorm) {
        Tensor base = key.endsWith(".weight") ? ones(shape) : zeros(shape);
        t = base.add(Rng.normal(g, shape).mul(new org.bytedeco.pytorch.Scalar(0.02)));
      } else {
        long fanIn = key.endsWith(".weight") ? shape[1] * shape[2] * shape[3] : fanInOfBias(out, key);
        t = Rng.uniformInit(g, fanIn, shape);
      }
      out.put(key, t);
    }
    return out;
  }

  private static long fanInOfBias(Map<String, Tensor> sofar, String biasKey) {
    Tensor w = sofar.get(biasKey.substring(0, biasKey.length() - "bias".length()) + "weight");
    return w.size(1) * w.size(2) * w.size(3);
  }

  /** A random-weight autoencoder in the diffusers {@code vae/} layout: config.json and diffusion_pytorch_model.safetensors. */
  public static void writeRandomDiffusers(Path dir, AutoEncoderParams p, long seed) {
    String config = p.toDiffusersJson().toPrettyString(); // fails first if diffusers cannot express p
    Map<String, Tensor> diffusers = AutoEncoderKeys.bflToDiffusers(randomBfl(p, seed), p.levels());
    SafeTensorsWriter.write(dir.resolve(DIFFUSERS_WEIGHTS), diffusers, Map.of("format", "pt"));
    AtomicFiles.writeString(dir.resolve("config.json"), config + "\n");
  }

  /** A random-weight autoencoder as a BFL single file. */
  public static void writeRandomBfl(Path file, AutoEncoderParams p, long seed) {
    SafeTensorsWriter.write(file, randomBfl(p, seed), Map.of("format", "pt"));
  }

  private static void conv(Map<String, long[]> s, String name, long in, long out, long k) {
    s.put(name + ".weight", new long[] {out, in, k, k});
    s.put(name + ".bias", new long[] {out});
  }

  private static void norm(Map<String, long[]> s, String name, long c) {
    s.put(name + ".weight", new long[] {c});
    s.put(name + ".bias", new long[] {c});
  }

  private static void resnet(Map<String, long[]> s, String name, long in, long out) {
    norm(s, name + ".norm1", in);
    conv(s, name + ".conv1", in, out, 3);
    norm(s, name + ".norm2", out);
    conv(s, name + ".conv2", out, out, 3);
    if (in != out) conv(s, name + ".nin_shortcut", in, out, 1);
  }

  private static void mid(Map<String, long[]> s, String name, long c) {
    resnet(s, name + ".block_1", c, c);
    norm(s, name + ".attn_1.norm", c);
    for (String x : List.of("q", "k", "v", "proj_out")) conv(s, name + ".attn_1." + x, c, c, 1);
    resnet(s, name + ".block_2", c, c);
  }
}
