package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.cli.Main;
import dev.dualproc.distill.Conditioning;
import dev.dualproc.distill.LoraFile;
import dev.dualproc.engine.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny random FLUX pipeline end to end: folder layout, generation, the teaching step's gradient, LoRA files, the CLI. */
class FluxPipelineTest {
  @TempDir static Path tmp;
  static Path folder;

  @BeforeAll static void writeTinyPipeline() {
    folder = tmp.resolve("tiny-flux");
    TinyFlux.write(folder, 7);
  }

  @Test void theFolderHasTheDiffusersLayout() {
    for (String f : new String[] {"model_index.json", "scheduler/scheduler_config.json", "transformer/config.json",
        "transformer/diffusion_pytorch_model.safetensors.index.json", "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
        "text_encoder/config.json", "text_encoder_2/config.json", "tokenizer/tokenizer.json", "tokenizer_2/tokenizer.json"})
      assertThat(folder.resolve(f)).as(f).isRegularFile();
    assertThatThrownBy(() -> TinyFlux.write(folder, 1)).isInstanceOf(DualprocException.class).hasMessageContaining("not empty");
  }

  @Test void generationIsDeterministicPerSeedAndDiffersAcrossSeeds() {
    try (FluxPipeline p = FluxPipeline.open(folder, Placement.cpu(), 0, 0, 0)) {
      assertThat(p.steps()).isEqualTo(4);
      assertThat(p.oneStepFromNoise()).isTrue();
      Conditioning c = p.encode("a red house at sunset");
      assertThat(p.encode("a red house at sunset")).isSameAs(c);
      Tensor a = p.generate(c, 1), b = p.generate(c, 1), other = p.generate(c, 2);
      assertThat(Tensors.shape(a)).containsExactly(1, 3, 64, 64);
      assertThat(Tensors.maxAbsDiff(a, b)).isZero();
      assertThat(Tensors.maxAbsDiff(a, other)).isGreaterThan(1e-4);
      assertThat(Tensors.item(a.abs().max())).isLessThanOrEqualTo(1.0);
    }
  }

  @Test void theTeachingStepReachesTheLoraAndTheSavedLoraReloadsToTheSameImage() {
    Path file = tmp.resolve("taught.safetensors");
    Tensor taught;
    try (FluxPipeline p = FluxPipeline.open(folder, Placement.cpu(), 0, 0, 0)) {
      LoraSet lora = p.attachLora(4, 4, 3);
      Conditioning c = p.encode("a blue ball");
      Tensor zt = p.rollout(p.noise(5), c, 0);
      Tensor image = p.x0Image(zt, c, 0);
      assertThat(Tensors.shape(image)).containsExactly(1, 3, 64, 64);
      image.square().mean().backward();
      double bGrad = lora.adapters().stream().mapToDouble(l -> Tensors.item(l.B.grad().abs().sum())).sum();
      assertThat(bGrad).as("gradient reaching the LoRA B matrices").isGreaterThan(0);
      try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
        for (Lora l : lora.adapters()) l.B.add_(Rng.normal(11, Tensors.shape(l.B)).mul(Tensors.scalar(0.05)));
      }
      lora.setWeight(2.0); // a training weight other than 1 must be folded into the file
      taught = p.generate(c, 9);
      p.loraFile().write(file, lora, 2.0 * lora.alpha / lora.rank, LoraFile.Format.PEFT, Map.of("dualproc_test", "1"));
    }
    try (FluxPipeline p = FluxPipeline.open(folder, Placement.cpu(), 0, 0, 0)) {
      Tensor base = p.generate(p.encode("a blue ball"), 9);
      assertThat(Tensors.maxAbsDiff(base, taught)).as("the LoRA changes the image").isGreaterThan(1e-4);
      p.loadLora(file, 1.0);
      assertThat(Tensors.maxAbsDiff(p.generate(p.encode("a blue ball"), 9), taught)).isLessThan(1e-5);
    }
  }

  @Test void denoisedNoisesALatentToAStepsLevelAndEstimatesItBackWithoutGrad() {
    try (FluxPipeline p = FluxPipeline.open(folder, Placement.cpu(), 0, 0, 0)) {
      p.attachLora(4, 4, 3);
      Conditioning c = p.encode("a blue ball");
      Tensor zt = p.rollout(p.noise(5), c, 0);
      Tensor latent = p.x0Latent(zt, c, 0);
      assertThat(latent.requires_grad()).isTrue();
      assertThat(Tensors.maxAbsDiff(p.decode(latent), p.x0Image(zt, c, 0))).isLessThan(1e-6);
      Tensor noise = Rng.normal(3, Tensors.shape(latent));
      Tensor d = p.denoised(latent, noise, 2, c);
      assertThat(d.requires_grad()).as("the prior's target carries no graph").isFalse();
      assertThat(p.sampler().sigma(2)).isEqualTo(0.5); // schnell, 4 steps: 1, 0.75, 0.5, 0.25
      Tensor z = latent.detach().mul(Tensors.scalar(0.5)).add(noise.mul(Tensors.scalar(0.5)));
      assertThat(Tensors.maxAbsDiff(d, p.sampler().oneStep(z, 2, FluxCond.from(c)))).isLessThan(1e-6);
      assertThat(Tensors.maxAbsDiff(d, p.denoised(latent, Rng.normal(4, Tensors.shape(latent)), 2, c))).as("the noise matters").isGreaterThan(1e-4);
    }
  }

  @Test void generateWritesAPngWithItsRecipe() {
    Path out = tmp.resolve("gen.png");
    int code = Main.commandLine().execute("generate", "--generator", folder.toString(), "--prompt", "a tree", "--seed", "3", "--out", out.toString());
    assertThat(code).isZero();
    Map<String, String> text = Images.readPngText(out);
    assertThat(text).containsEntry("prompt", "a tree").containsEntry("seed", "3").containsEntry("steps", "4");
    assertThat(text.get("model")).endsWith("tiny-flux");
    assertThat(Images.read(out).getWidth()).isEqualTo(64);
  }

  @Test void badReferencesAndSizesAreRefusedWithTheirNames() {
    assertThatThrownBy(() -> FluxPipeline.open(folder, Placement.cpu(), 50, 64, 0)).hasMessageContaining("multiples of 8");
    assertThat(Main.commandLine().execute("generate", "--generator", tmp.resolve("nope").toString(), "--prompt", "x", "--out", tmp.resolve("x.png").toString())).isEqualTo(2);
  }
}
