package dev.dualproc.world.critic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.model.vlm.TinyIdefics;
import dev.dualproc.model.vlm.VlmFamily;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.ones;
import static org.bytedeco.pytorch.global.torch.zeros;

/** The built-in critic as an HF snapshot folder (Idefics3 layout, world tokenizer), and its initial weights. */
public final class CriticFiles {
  private CriticFiles() {}

  static final VlmFamily FAMILY = VlmFamily.IDEFICS3;

  /** config.json, tokenizer.json, tokenizer_config.json, processor files; returns the vocabulary size. */
  public static int writeConfigs(CriticConfig c, Path folder) {
    int vocab = TinyIdefics.writeFiles(FAMILY, c.spec(), WorldVocabulary.tokenizerJson(), folder);
    writeJson(folder.resolve("tokenizer_config.json"), WorldVocabulary.tokenizerConfig());
    return vocab;
  }

  /** A snapshot folder: the configs and model.safetensors with {@code weights} in {@code dtype}. */
  public static void write(CriticConfig c, Path folder, Map<String, Tensor> weights, ScalarType dtype, Map<String, String> meta) {
    writeConfigs(c, folder);
    Map<String, Tensor> cast = new LinkedHashMap<>();
    weights.forEach((k, t) -> cast.put(k, t.detach().to(dtype)));
    Map<String, String> m = new LinkedHashMap<>(meta);
    m.put("format", "pt");
    SafeTensorsWriter.write(folder.resolve("model.safetensors"), cast, m);
  }

  /**
   * Initial weights, seeded: norms 1, biases 0, matrices and embeddings N(0, 0.02), the projections that write into
   * a residual stream scaled by 1/sqrt(2 * layers) (GPT-2's rule), drawn in key order from one torch generator.
   */
  public static Map<String, Tensor> initialWeights(CriticConfig c, int vocab, long seed) {
    Generator g = Rng.generator(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : TinyIdefics.shapes(FAMILY, c.spec(), vocab).entrySet()) {
      String k = e.getKey();
      long[] shape = e.getValue();
      Tensor t;
      if (k.endsWith("norm.weight") || k.matches(".*layer_norm\\d\\.weight") || k.endsWith("post_layernorm.weight")) t = ones(shape);
      else if (k.endsWith(".bias")) t = zeros(shape);
      else {
        boolean residual = k.endsWith("out_proj.weight") || k.endsWith("o_proj.weight") || k.endsWith("down_proj.weight") || k.endsWith("fc2.weight");
        int layers = k.contains("vision_model") ? c.spec().visionLayers() : c.spec().textLayers();
        double std = 0.02 * (residual ? 1 / Math.sqrt(2.0 * layers) : 1);
        t = Rng.normal(g, shape).mul(new org.bytedeco.pytorch.Scalar(std));
      }
      out.put(k, t.to(ScalarType.Float));
    }
    return out;
  }

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  static void writeJson(Path file, Object node) {
    try {
      AtomicFiles.writeString(file, JSON.writeValueAsString(node) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
