package dev.dualproc.world.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.model.flux.AutoEncoderKeys;
import dev.dualproc.model.flux.AutoEncoderParams;
import dev.dualproc.model.flux.FluxCheckpoint;
import dev.dualproc.model.flux.TinyFlux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Writes the trained generator as a diffusers FLUX pipeline folder (model_index.json with a "dualproc" object of
 * sampling defaults, scheduler/, transformer/, vae/, text_encoder/ CLIP, text_encoder_2/ T5, tokenizer/, tokenizer_2/),
 * weights in bf16 from the EMA (the autoencoder as trained). The folder is built beside the target and swapped in,
 * so a reader never sees half of it.
 */
public final class GeneratorExport {
  private GeneratorExport() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The sampling defaults FluxPipeline reads from model_index.json's "dualproc" object. */
  static ObjectNode dualprocDefaults(GeneratorTrainer t, double guidanceScale) {
    GeneratorConfig cfg = t.cfg;
    ObjectNode d = JSON.createObjectNode();
    d.put("steps", cfg.sampleSteps()).put("width", cfg.size()).put("height", cfg.size()).put("one_step_teaching", false)
        .put("max_sequence_length", cfg.t5MaxLength()).put("guidance_scale", guidanceScale);
    // what `world train generator --init-from` continues from (FluxPipeline ignores these)
    d.put("config", cfg.name()).put("seed", t.seed).put("trained_ae_steps", t.aeStep).put("trained_steps", t.step)
        .put("trained_seconds", Math.round(t.seconds));
    if (cfg.kindChannels() > 0) d.put("kind_channels", cfg.kindChannels()); // world train decoder reads them from here
    if (t.decoderSteps > 0) { // the decoder came refined with the warm start and was not trained since
      d.put("decoder_steps", t.decoderSteps);
      if (t.decoderSettings != null) d.set("decoder_settings", t.decoderSettings);
    }
    return d;
  }

  /** Writes the pipeline into a fresh temporary folder beside {@code out} and returns it (swap it in with {@link #replace}). */
  static Path writeTemporary(GeneratorTrainer t, Path out, double guidanceScale) {
    Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    GeneratorTrainer.deleteTree(tmp);
    write(t, tmp, guidanceScale);
    return tmp;
  }

  /** {@code guidanceScale}: classifier-free guidance of full generations written into the defaults (1 = none). */
  static void write(GeneratorTrainer t, Path dir, double guidanceScale) {
    GeneratorConfig cfg = t.cfg;
    try {
      Files.createDirectories(dir);
      Map<String, Tensor> transformer = bf16(t.ema, "transformer.");
      FluxCheckpoint.writeDiffusers(dir.resolve("transformer"), transformer, cfg.flux(), Long.MAX_VALUE);

      AutoEncoderParams ae = t.aeParamsFitted();
      Path vae = Files.createDirectories(dir.resolve("vae"));
      SafeTensorsWriter.write(vae.resolve("diffusion_pytorch_model.safetensors"),
          AutoEncoderKeys.bflToDiffusers(bf16(t.aeParams.tensors(), ""), ae.levels()), Map.of("format", "pt"));
      writeJson(vae.resolve("config.json"), ae.toDiffusersJson());

      Path clip = Files.createDirectories(dir.resolve("text_encoder"));
      SafeTensorsWriter.write(clip.resolve("model.safetensors"), bf16(t.ema, "text_encoder."), Map.of("format", "pt"));
      writeJson(clip.resolve("config.json"), TextEncoderInit.clipJson(t.clipConfig, t.clipBos));
      Path t5 = Files.createDirectories(dir.resolve("text_encoder_2"));
      SafeTensorsWriter.write(t5.resolve("model.safetensors"), bf16(t.ema, "text_encoder_2."), Map.of("format", "pt"));
      writeJson(t5.resolve("config.json"), TextEncoderInit.t5Json(t.t5Config));

      copyTree(t.stateDir.resolve("tokenizer"), dir.resolve("tokenizer"));
      copyTree(t.stateDir.resolve("tokenizer_2"), dir.resolve("tokenizer_2"));
      writeJson(Files.createDirectories(dir.resolve("scheduler")).resolve("scheduler_config.json"), TinyFlux.schedulerConfig());
      ObjectNode index = TinyFlux.modelIndex();
      index.set("dualproc", dualprocDefaults(t, guidanceScale));
      writeJson(dir.resolve("model_index.json"), index);
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot write the generator pipeline (" + e.getMessage() + ")", e);
    }
  }

  /** Moves {@code tmp} to {@code out}, replacing what was there. */
  static void replace(Path tmp, Path out) {
    try {
      Path abs = out.toAbsolutePath();
      Files.createDirectories(abs.getParent());
      Path old = abs.resolveSibling("." + abs.getFileName() + ".old-" + ProcessHandle.current().pid());
      GeneratorTrainer.deleteTree(old);
      if (Files.exists(abs)) Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
      GeneratorTrainer.deleteTree(old);
    } catch (IOException e) {
      throw new DualprocException(out + ": cannot put the new pipeline in place (" + e.getMessage() + "); it is in " + tmp, e);
    }
  }

  /** Bytes of every weights file under {@code dir}. */
  static long weightBytes(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".safetensors")).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot list (" + e.getMessage() + ")", e);
    }
  }

  private static Map<String, Tensor> bf16(Map<String, Tensor> tensors, String prefix) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    tensors.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v.detach().to(ScalarType.BFloat16)); });
    return out;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.toList()) Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void writeJson(Path file, ObjectNode node) {
    AtomicFiles.writeString(file, node.toPrettyString() + "\n");
  }
}
