package dev.dualproc.distill;

import static dev.dualproc.distill.TeachFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.cli.TeachCommand;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.model.flux.FluxLora;
import dev.dualproc.model.flux.FluxPipeline;
import dev.dualproc.model.flux.TinyFlux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** lora_targets on a tiny random FLUX pipeline (the real classes) taught through the tiny test critic. */
class TeachLoraTargetsTest {
  @TempDir Path tmp;

  static final Models FLUX = new Models((ref, p) -> FluxPipeline.open(Path.of(ref), p, 0, 0, 0), (ref, p) -> new TinyCritic());

  static int teach(String... args) {
    TeachCommand cmd = new TeachCommand(FLUX);
    new CommandLine(cmd).parseArgs(args);
    return cmd.call();
  }

  Path flux() { Path f = tmp.resolve("flux"); TinyFlux.write(f, 1); return f; }

  String spec(Path flux, String targets) throws Exception {
    return TeachFixture.spec(flux, TinyModels.criticFolder(tmp), 4, 0, "lora_targets: " + targets + "\n").replace("lr: 0.1", "lr: 0.02")
        .replace("eval_seeds: [0, 1]", "eval_seeds: [0]");
  }

  @Test void groupsAndPatternsSelectModulesByAdapterNameOrCheckpointKey() throws Exception {
    try (FluxPipeline p = FluxPipeline.open(flux(), Placement.cpu(), 0, 0, 0)) {
      assertThat(LoraTargets.select(List.of("all"), p)).isEqualTo(FluxLora.targets(p.transformer.params));
      assertThat(LoraTargets.select(List.of("context"), p)).containsExactly("context_embedder",
          "time_text_embed.text_embedder.linear_1", "time_text_embed.text_embedder.linear_2");
      // the tiny model has one double and one single block; modules outside the blocks sort with block 0
      assertThat(LoraTargets.select(List.of("modulation"), p)).containsExactly("transformer_blocks.0.norm1.linear",
          "transformer_blocks.0.norm1_context.linear", "norm_out.linear", "single_transformer_blocks.0.norm.linear");
      assertThat(LoraTargets.select(List.of("double_blocks.*.img_attn.qkv"), p)).as("a BFL checkpoint key").containsExactly(
          "transformer_blocks.0.attn.to_q", "transformer_blocks.0.attn.to_k", "transformer_blocks.0.attn.to_v");
      assertThat(LoraTargets.select(List.of("to_out.0", "txt_in", "linear2"), p)).as("suffixes, and the union in module order").containsExactly(
          "context_embedder", "transformer_blocks.0.attn.to_out.0", "single_transformer_blocks.0.proj_out");
      assertThat(LoraTargets.select(List.of("single"), p)).allMatch(n -> n.startsWith("single_transformer_blocks.0."))
          .contains("single_transformer_blocks.0.proj_mlp", "single_transformer_blocks.0.proj_out");
      assertThatThrownBy(() -> LoraTargets.select(List.of("context", "attn"), p)).isInstanceOf(DualprocException.class)
          .hasMessageStartingWith("lora_targets: 'attn' is not a group").hasMessageContaining("matches no module");
    }
  }

  @Test void contextTargetsWriteOnlyThoseModulesAndBothFilesReloadToTheOnSample() throws Exception {
    Path flux = flux(), runs = tmp.resolve("runs");
    assertThat(teach("--spec", writeSpec(tmp, spec(flux, "[context]")).toString(), "--runs", runs.toString(), "--export", "kohya")).isZero();
    Path run = onlyRun(runs);
    assertThat(Files.readString(run.resolve("task.yaml"))).contains("lora_targets:\n- context");
    try (SafeTensorsFile f = SafeTensorsFile.open(run.resolve("lora.safetensors"))) {
      assertThat(f.names()).containsExactlyInAnyOrder(
          "transformer.context_embedder.lora_A.weight", "transformer.context_embedder.lora_B.weight",
          "transformer.time_text_embed.text_embedder.linear_1.lora_A.weight", "transformer.time_text_embed.text_embedder.linear_1.lora_B.weight",
          "transformer.time_text_embed.text_embedder.linear_2.lora_A.weight", "transformer.time_text_embed.text_embedder.linear_2.lora_B.weight");
    }
    try (SafeTensorsFile f = SafeTensorsFile.open(run.resolve("lora-kohya.safetensors"))) {
      assertThat(Set.copyOf(f.names().stream().map(n -> n.substring(0, n.indexOf('.'))).toList()))
          .containsExactlyInAnyOrder("lora_unet_txt_in", "lora_unet_vector_in_in_layer", "lora_unet_vector_in_out_layer");
    }
    assertReloadsToTheOnSample(flux, run, "lora.safetensors");
    assertReloadsToTheOnSample(flux, run, "lora-kohya.safetensors");
  }

  @Test void modulationTargetsIncludingNormOutRoundTripAndAnUnknownPatternFailsBeforeAnyRunFolder() throws Exception {
    Path flux = flux(), runs = tmp.resolve("runs");
    assertThat(teach("--spec", writeSpec(tmp, spec(flux, "[modulation]")).toString(), "--runs", runs.toString())).isZero();
    Path run = onlyRun(runs);
    try (SafeTensorsFile f = SafeTensorsFile.open(run.resolve("lora.safetensors"))) {
      assertThat(f.names()).hasSize(8).contains("transformer.norm_out.linear.lora_B.weight")
          .allMatch(n -> n.contains("norm1") || n.contains("norm.linear") || n.contains("norm_out"));
    }
    assertReloadsToTheOnSample(flux, run, "lora.safetensors");

    Path other = tmp.resolve("other");
    assertThatThrownBy(() -> teach("--spec", writeSpec(tmp, spec(flux, "[img_attn.qkv, 'double_blocks.*.nope']")).toString(), "--runs", other.toString()))
        .isInstanceOf(DualprocException.class).hasMessageStartingWith("lora_targets: 'double_blocks.*.nope' is not a group");
    assertThat(other).as("no run folder for a task that cannot start").doesNotExist();
  }

  static int differing(int[] a, int[] b) {
    int n = 0;
    for (int i = 0; i < a.length; i++) if (a[i] != b[i]) n++;
    return n;
  }

  /** A fresh pipeline with the file loaded at weight 1.0 draws the run's "on" sample pixel for pixel, and it differs from "off". */
  static void assertReloadsToTheOnSample(Path flux, Path run, String file) {
    Path on = run.resolve("samples/000004-p0-seed0-on.png"), off = run.resolve("samples/000004-p0-seed0-off.png");
    try (FluxPipeline p = FluxPipeline.open(flux, Placement.cpu(), 0, 0, 0)) {
      p.loadLora(run.resolve(file), 1.0);
      int[] again = TeachLoopTest.pixels(Images.toImage(p.generate(p.encode("a house and a tree on a meadow"), 0)));
      assertThat(differing(again, TeachLoopTest.pixels(Images.read(on)))).as("pixels of %s reloaded that differ from %s", file, on.getFileName()).isZero();
      assertThat(differing(again, TeachLoopTest.pixels(Images.read(off)))).as("pixels that the LoRA changes").isPositive();
    }
  }
}
