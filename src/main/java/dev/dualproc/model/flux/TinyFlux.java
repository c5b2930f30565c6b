package dev.dualproc.model.flux;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.model.text.TinyTextModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A random-weight FLUX pipeline in the real diffusers folder layout (model_index.json, scheduler/, transformer/
 * sharded, vae/, text_encoder/ CLIP, text_encoder_2/ T5, tokenizer/, tokenizer_2/): for tests, and for users' own
 * tests of tools that read FLUX folders. Sizes are tiny; the layout, config field names and key names are FLUX.1's.
 */
public final class TinyFlux {
  private TinyFlux() {}

  /** A 4x autoencoder with 4 latent channels: a 64x64 image is a 16x16 latent, 8x8 = 64 tokens. */
  public static AutoEncoderParams aeParams() {
    return new AutoEncoderParams(64, 3, 32, 3, new int[] {1, 1, 1}, 1, 4, 0.3611, 0.1159);
  }

  /** Matches the tiny text encoders (d_model 32) and the autoencoder's 4 channels; schnell-like (no guidance embed). */
  public static FluxParams params() {
    int d = TinyTextModels.D_MODEL;
    return new FluxParams(16, 16, d, d, 48, 4.0, 2, 1, 1, new int[] {4, 10, 10}, 10_000, true, false);
  }

  /** Writes the pipeline into {@code dir} (created; must be empty or absent). Shards the transformer to exercise indexes. */
  public static void write(Path dir, long seed) {
    try {
      if (Files.isDirectory(dir)) {
        try (var entries = Files.list(dir)) {
          if (entries.findAny().isPresent()) throw new DualprocException(dir + ": exists and is not empty");
        }
      }
      Files.createDirectories(dir);
      FluxParams p = params();
      FluxCheckpoint.writeDiffusers(dir.resolve("transformer"), FluxInit.randomWeights(p, seed), p, 128 * 1024);
      Files.createDirectories(dir.resolve("vae"));
      AutoEncoderFiles.writeRandomDiffusers(dir.resolve("vae"), aeParams(), seed + 1);
      TinyTextModels.writeClip(mkdirs(dir.resolve("text_encoder")), mkdirs(dir.resolve("tokenizer")), seed + 2);
      TinyTextModels.writeT5(mkdirs(dir.resolve("text_encoder_2")), mkdirs(dir.resolve("tokenizer_2")), seed + 3);
      writeJson(mkdirs(dir.resolve("scheduler")).resolve("scheduler_config.json"), schedulerConfig());
      writeJson(dir.resolve("model_index.json"), modelIndex());
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot write the tiny FLUX pipeline (" + e.getMessage() + ")", e);
    }
  }

  private static Path mkdirs(Path p) throws IOException { return Files.createDirectories(p); }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static void writeJson(Path file, ObjectNode node) throws IOException {
    AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
  }

  /** diffusers FluxPipeline's model_index.json: each component as [library, class]. */
  public static ObjectNode modelIndex() {
    ObjectNode n = JSON.createObjectNode();
    n.put("_class_name", "FluxPipeline").put("_diffusers_version", "0.32.0");
    component(n, "scheduler", "diffusers", "FlowMatchEulerDiscreteScheduler");
    component(n, "text_encoder", "transformers", "CLIPTextModel");
    component(n, "text_encoder_2", "transformers", "T5EncoderModel");
    component(n, "tokenizer", "transformers", "CLIPTokenizer");
    component(n, "tokenizer_2", "transformers", "T5TokenizerFast");
    component(n, "transformer", "diffusers", "FluxTransformer2DModel");
    component(n, "vae", "diffusers", "AutoencoderKL");
    return n;
  }

  private static void component(ObjectNode n, String name, String library, String cls) { n.putArray(name).add(library).add(cls); }

  /** schnell's scheduler: flow matching, shift 1, no dynamic shifting. */
  public static ObjectNode schedulerConfig() {
    ObjectNode n = JSON.createObjectNode();
    n.put("_class_name", "FlowMatchEulerDiscreteScheduler").put("_diffusers_version", "0.32.0")
        .put("base_image_seq_len", 256).put("base_shift", 0.5).put("max_image_seq_len", 4096).put("max_shift", 1.15)
        .put("num_train_timesteps", 1000).put("shift", 1.0).put("use_dynamic_shifting", false);
    return n;
  }
}
