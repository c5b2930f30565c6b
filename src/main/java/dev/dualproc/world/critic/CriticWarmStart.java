package dev.dualproc.world.critic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The weights of a critic this trainer exported (models/world/vlm), as fp32 starting weights of a fresh run. The
 * vocabulary may have grown since (new caption words): token-embedding rows are carried over by word, and words the
 * exported critic did not know get the seeded initial rows. A config that differs only in its pixel-shuffle factor
 * (tiny4w to tiny2w) takes everything but the connector's projection, whose input width changes with the factor; the
 * projection starts from the seeded initial weights.
 */
final class CriticWarmStart {
  private CriticWarmStart() {}

  /** The run's config, the step the exported critic reached, and the weights in checkpoint-key order. */
  record Exported(CriticConfig config, long steps, Map<String, Tensor> weights, java.util.List<String> fresh) {}

  /** The one tensor whose shape follows the pixel-shuffle factor. */
  static final String PROJECTION = "model.connector.modality_projection.proj.weight";

  /** {@code folder}: a critic world train vlm exported, or a run's --state (its latest checkpoint, its config). */
  static Exported read(Path folder, CriticConfig wanted, long seed) {
    if (CriticTrainer.hasCheckpoint(folder)) {
      CriticTrainer.Latest l = CriticTrainer.latestCheckpoint(folder);
      return read(l.model(), wanted != null ? wanted : l.config(), l.step(), seed);
    }
    Path file = folder.resolve("model.safetensors");
    if (!Files.isRegularFile(file))
      throw new DualprocException("--init-from " + folder + ": no model.safetensors and no LATEST (expected a critic folder that world train vlm exported, or a run's --state)");
    String name, steps;
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      name = f.metadata().get("dualproc_config");
      steps = f.metadata().get("dualproc_steps");
    }
    if (name == null || steps == null)
      throw new DualprocException(file + ": metadata dualproc_config/dualproc_steps missing: not a critic world train vlm exported");
    try {
      return read(folder, wanted != null ? wanted : CriticConfig.named(name), Long.parseLong(steps), seed);
    } catch (NumberFormatException e) {
      throw new DualprocException(file + ": metadata dualproc_steps is not a number", e);
    }
  }

  private static Exported read(Path folder, CriticConfig config, long steps, long seed) {
    Path file = folder.resolve("model.safetensors");
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      var tokenizer = WorldVocabulary.tokenizerJson();
      Map<String, Integer> newIds = vocab(tokenizer, "the world vocabulary");
      Map<String, Integer> oldIds = vocab(readJson(folder.resolve("tokenizer.json")), folder.resolve("tokenizer.json").toString());
      int vocab = dev.dualproc.model.vlm.TinyTokenizers.size(tokenizer);
      Map<String, Tensor> init = CriticFiles.initialWeights(config, vocab, seed);
      Map<String, Tensor> out = new LinkedHashMap<>();
      java.util.List<String> fresh = new java.util.ArrayList<>();
      for (var e : init.entrySet()) {
        String k = e.getKey();
        if (!f.contains(k)) throw new DualprocException(file + ": no tensor '" + k + "'; the exported critic is not of config '" + config.name() + "'");
        Tensor old = f.load(k).to(ScalarType.Float);
        long[] want = Tensors.shape(e.getValue()), have = Tensors.shape(old);
        boolean rows = k.endsWith("embed_tokens.weight") || k.equals("lm_head.weight");
        if (rows && have.length == 2 && have[1] == want[1]) out.put(k, remapRows(old, e.getValue(), oldIds, newIds));
        else if (Arrays.equals(want, have)) out.put(k, old);
        else if (k.equals(PROJECTION) && want.length == 2 && have.length == 2 && want[0] == have[0]) {
          if (want[1] == config.spec().visionHidden() && have[1] % want[1] == 0) out.put(k, summedBlocks(old, want)); // one patch per token
          else {
            out.put(k, e.getValue());
            fresh.add(k);
          }
        }
        else throw new DualprocException(file + ": '" + k + "' has shape " + Arrays.toString(have) + ", config '" + config.name() + "' needs " + Arrays.toString(want));
      }
      for (String k : f.names()) if (!init.containsKey(k)) throw new DualprocException(file + ": unexpected tensor '" + k + "' for config '" + config.name() + "'");
      return new Exported(config, steps, out, fresh);
    }
  }

  /**
   * A projection for one patch per token from one over shuffled blocks of patches ([out, D * s^2], each patch's D inputs
   * contiguous): the sum of the blocks, so a lone patch reads as the old connector read a block of identical patches.
   */
  static Tensor summedBlocks(Tensor old, long[] want) {
    long blocks = Tensors.shape(old)[1] / want[1];
    return old.reshape(want[0], blocks, want[1]).sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).contiguous();
  }

  /** Row id of each word in {@code init}'s vocabulary taken from {@code old} where the old vocabulary has the word. */
  private static Tensor remapRows(Tensor old, Tensor init, Map<String, Integer> oldIds, Map<String, Integer> newIds) {
    long[] shape = Tensors.shape(init);
    int h = (int) shape[1], oldRows = (int) Tensors.shape(old)[0];
    float[] from = Tensors.floats(old), to = Tensors.floats(init);
    newIds.forEach((word, id) -> {
      Integer o = oldIds.get(word);
      if (o != null && o < oldRows && id < shape[0]) System.arraycopy(from, o * h, to, id * h, h);
    });
    return Tensors.fromFloats(to, shape);
  }

  private static Map<String, Integer> vocab(JsonNode tokenizer, String where) {
    JsonNode v = tokenizer.path("model").path("vocab");
    if (!v.isObject()) throw new DualprocException(where + ": no model.vocab (expected a WordLevel tokenizer.json)");
    Map<String, Integer> m = new HashMap<>();
    v.properties().forEach(e -> m.put(e.getKey(), e.getValue().asInt()));
    return m;
  }

  private static JsonNode readJson(Path f) {
    try {
      return new ObjectMapper().readTree(f.toFile());
    } catch (IOException e) {
      throw new DualprocException(f + ": unreadable (" + e.getMessage() + ")", e);
    }
  }
}
