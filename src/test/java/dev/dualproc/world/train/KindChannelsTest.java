package dev.dualproc.world.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.flux.FluxPipeline;
import dev.dualproc.world.SceneObject;
import dev.dualproc.world.SceneRenderer;
import dev.dualproc.world.SceneTruth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kind channels: the map from the renderer's truth, a grown pipeline that starts as the same function, and the decoder taught to read them. */
class KindChannelsTest {
  @TempDir Path tmp;

  /** micro with kind channels after its 4 image channels. */
  static GeneratorConfig microKinds() { return GeneratorConfig.micro().withKindChannels("micro-kinds"); }

  @Test void theMapCountsEachKindsOwnPixelsPerCell() {
    int scenes = 0;
    for (long seed = 100; scenes < 20; seed++) {
      SceneTruth t = SceneRenderer.render(seed, 64, 64).truth();
      if (t.objects().isEmpty()) continue;
      scenes++;
      float[] c = KindChannels.coverage(t, 16);
      assertThat(c).hasSize(KindChannels.COUNT * 256);
      int owned = 0;
      for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
          float d = t.depth()[y][x];
          if (t.objects().stream().anyMatch(o -> o.depth() == d)) owned++;
        }
      double sum = 0;
      for (int cell = 0; cell < 256; cell++) {
        double inCell = 0;
        for (int k = 0; k < KindChannels.COUNT; k++) inCell += c[k * 256 + cell];
        assertThat(inCell).as("seed %d cell %d", seed, cell).isLessThanOrEqualTo(1.0 + 1e-6);
        sum += inCell;
      }
      assertThat(sum * 16).as("seed %d: covered pixels", seed).isCloseTo(owned, org.assertj.core.data.Offset.offset(1e-3));
      // the nearest object (drawn last, nothing over it) covers the cell of its own centre pixel, if that pixel is its own
      SceneObject front = t.objects().stream().max(java.util.Comparator.comparingDouble(o -> -o.depth())).orElseThrow();
      int cx = (int) front.centreX(), cy = (int) Math.min(63, front.baseRow() - front.bboxHeight() / 2.0);
      if (t.depth()[cy][cx] == front.depth())
        assertThat(c[(front.kind().ordinal() * 16 + cy / 4) * 16 + cx / 4]).as("seed %d", seed).isPositive();
    }
    Tensor s = KindChannels.scaled(List.of(SceneRenderer.render(100, 64, 64).truth()), 16);
    assertThat(Tensors.shape(s)).containsExactly(1, KindChannels.COUNT, 16, 16);
    assertThat(Tensors.item(s.max())).isLessThanOrEqualTo(KindChannels.VALUE + 1e-6);
  }

  @Test void aGrownPipelineStartsAsTheSameFunctionAndTrainsOnTheMap() throws Exception {
    Path out = tmp.resolve("generator");
    GeneratorTraining.run(GeneratorTrainingTest.micro(tmp.resolve("state"), 3, out, 0));
    GeneratorTrainer g = GeneratorTrainer.open(tmp.resolve("grown"), microKinds(), 5, Placement.cpu());
    g.warmStartFrom(out);
    assertThat(Files.readString(tmp.resolve("grown/train.log")))
        .contains("autoencoder grown from 4 to 10 latent channels").contains("transformer grown from 16 to 40 packed features");
    Path grownOut = tmp.resolve("grown-export");
    GeneratorExport.write(g, grownOut, 1.0);
    assertThat(Files.readString(grownOut.resolve("model_index.json"))).contains("\"kind_channels\" : 6");
    try (FluxPipeline a = FluxPipeline.open(out, Placement.cpu(), 0, 0, 0); FluxPipeline b = FluxPipeline.open(grownOut, Placement.cpu(), 0, 0, 0);
         org.bytedeco.pytorch.NoGradGuard ng = new org.bytedeco.pytorch.NoGradGuard()) {
      assertThat(b.transformer.params.inChannels()).isEqualTo(40);
      Tensor image = dev.dualproc.engine.Rng.normal(3, 1, 64, 16);
      Tensor grownIn = org.bytedeco.pytorch.global.torch.cat(new org.bytedeco.pytorch.TensorVector(image,
          org.bytedeco.pytorch.global.torch.zeros(new long[] {1, 64, 24})), 2);
      Tensor ids = dev.dualproc.model.flux.LatentPacking.imgIds(1, 8, 8);
      Tensor va = a.sampler().velocity(image, ids, 0, a.condition("a red house at sunset"));
      Tensor vb = b.sampler().velocity(grownIn, ids, 0, b.condition("a red house at sunset"));
      assertThat(Tensors.maxAbsDiff(va, vb.narrow(2, 0, 16))).as("the image channels move as before while the kinds are zero").isLessThan(1e-5);
      assertThat(Tensors.item(vb.narrow(2, 16, 24).abs().max())).as("the kinds' velocity starts at zero").isZero();
      Tensor noisyKinds = org.bytedeco.pytorch.global.torch.cat(new org.bytedeco.pytorch.TensorVector(image, dev.dualproc.engine.Rng.normal(4, 1, 64, 24)), 2);
      assertThat(Tensors.maxAbsDiff(va, b.sampler().velocity(noisyKinds, ids, 0, b.condition("a red house at sunset")).narrow(2, 0, 16)))
          .as("the kinds are read from the start").isPositive();
    }
    try (FluxPipeline a = FluxPipeline.open(out, Placement.cpu(), 0, 0, 0); FluxPipeline b = FluxPipeline.open(grownOut, Placement.cpu(), 0, 0, 0)) {
      KindSwapEval.Report plain = KindSwapEval.run(a, 0, 2, null), kinds = KindSwapEval.run(b, 0, 2, null);
      assertThat(plain.kindChannelsRight()).isNaN();
      assertThat(plain.table()).doesNotContain("kind channels");
      assertThat(kinds.kindChannelsRight()).isBetween(0.0, 1.0);
      assertThat(kinds.kindChannelsShare()).isBetween(0.0, 1.0);
      assertThat(kinds.table()).contains("kind channels of the generated latents");
    }
    double before = Tensors.item(g.model.tensors().get("transformer.final_layer.linear.weight").narrow(0, 16, 24).abs().sum());
    assertThat(before).isZero();
    assertThat(g.trainStep().phase()).isEqualTo("flow");
    assertThat(Tensors.item(g.model.tensors().get("transformer.final_layer.linear.weight").narrow(0, 16, 24).abs().sum()))
        .as("the kind channels' velocity learns from the map").isPositive();
    assertThatThrownBy(() -> GeneratorTrainer.open(tmp.resolve("fresh"), microKinds(), 5, Placement.cpu()).trainStep())
        .hasMessageContaining("no autoencoder phase of its own").hasMessageContaining("--init-from");
    // --blob-fraction: a blobbed item keeps the real scene's kind channels, its image channels are the blobbed scene's
    GeneratorTrainer gb = GeneratorTrainer.open(tmp.resolve("grown-blobs"), microKinds(), 5, Placement.cpu());
    gb.warmStartFrom(out);
    List<SceneRenderer.Rendered> scenes = List.of(SceneRenderer.render(100, 32, 32), SceneRenderer.render(101, 32, 32));
    Tensor x0 = KindChannels.withTruth(gb.ae.encode(org.bytedeco.pytorch.global.torch.cat(new org.bytedeco.pytorch.TensorVector(
        dev.dualproc.engine.Images.toTensor(scenes.get(0).image()), dev.dualproc.engine.Images.toTensor(scenes.get(1).image())), 0)),
        scenes.stream().map(SceneRenderer.Rendered::truth).toList());
    Tensor[] blobbed = new Blobs.Plan(new boolean[] {true, false}, new float[] {0.5f, Float.NaN})
        .apply(x0, Tensors.fromFloats(new float[] {0.9f, 0.9f}, 2), scenes, gb.ae, Placement.cpu(), KindChannels.COUNT);
    assertThat(Tensors.maxAbsDiff(blobbed[0].narrow(0, 0, 1).narrow(1, 4, 6), x0.narrow(0, 0, 1).narrow(1, 4, 6))).isZero();
    assertThat(Tensors.maxAbsDiff(blobbed[0].narrow(0, 0, 1).narrow(1, 0, 4), x0.narrow(0, 0, 1).narrow(1, 0, 4))).isPositive();
    assertThat(Tensors.maxAbsDiff(blobbed[0].narrow(0, 1, 1), x0.narrow(0, 1, 1))).isZero();
    gb.setBlobFraction(0.5);
    assertThat(gb.trainStep().phase()).isEqualTo("flow");
  }

  @Test void theDecoderLearnsTheKindsAndTheEncoderOnlyItsKindRows() throws Exception {
    Path out = tmp.resolve("generator"), grown = tmp.resolve("grown-export"), refined = tmp.resolve("refined");
    GeneratorTraining.run(GeneratorTrainingTest.micro(tmp.resolve("state"), 3, out, 0));
    GeneratorTrainer g = GeneratorTrainer.open(tmp.resolve("grown"), microKinds(), 5, Placement.cpu());
    g.warmStartFrom(out);
    GeneratorExport.write(g, grown, 1.0);
    DecoderTraining.run(DecoderTrainingTest.options(grown, tmp.resolve("dec"), 3, refined, 0));
    String weights = "vae/diffusion_pytorch_model.safetensors";
    try (SafeTensorsFile a = SafeTensorsFile.open(grown.resolve(weights)); SafeTensorsFile b = SafeTensorsFile.open(refined.resolve(weights))) {
      for (String k : a.names()) {
        Tensor x = a.load(k).to(ScalarType.Float), y = b.load(k).to(ScalarType.Float);
        if (k.equals("encoder.conv_out.weight") || k.equals("encoder.conv_out.bias")) {
          assertThat(Tensors.maxAbsDiff(x.narrow(0, 0, 4), y.narrow(0, 0, 4))).as("image means").isZero();
          assertThat(Tensors.maxAbsDiff(x.narrow(0, 10, 10), y.narrow(0, 10, 10))).as("log-variances").isZero();
          assertThat(Tensors.maxAbsDiff(x.narrow(0, 4, 6), y.narrow(0, 4, 6))).as("kind means").isPositive();
        } else if (k.startsWith("encoder.")) assertThat(Tensors.maxAbsDiff(x, y)).as(k).isZero();
      }
      assertThat(Tensors.item(b.load("decoder.conv_in.weight").to(ScalarType.Float).narrow(1, 4, 6).abs().sum())).as("the decoder reads the kinds").isPositive();
    }
    assertThat(Files.readString(tmp.resolve("dec/train.log"))).contains("kind map");
    // the state's decoder and kind rows go onto another transformer grown from the same export (its encoder's image rows)
    GeneratorTrainer other = GeneratorTrainer.open(tmp.resolve("grown-other"), microKinds(), 9, Placement.cpu());
    other.warmStartFrom(out);
    Path otherOut = tmp.resolve("other-export"), otherRefined = tmp.resolve("other-refined");
    GeneratorExport.write(other, otherOut, 1.0);
    DecoderTraining.run(DecoderTrainingTest.options(otherOut, tmp.resolve("dec"), 1, otherRefined, 0));
    assertThat(Files.readString(otherRefined.resolve("model_index.json"))).contains("\"decoder_steps\" : 4");
    String flux = "transformer/diffusion_pytorch_model.safetensors";
    try (SafeTensorsFile a = SafeTensorsFile.open(otherOut.resolve(flux)); SafeTensorsFile b = SafeTensorsFile.open(otherRefined.resolve(flux))) {
      for (String k : a.names()) assertThat(Tensors.maxAbsDiff(a.load(k).to(ScalarType.Float), b.load(k).to(ScalarType.Float))).as(k).isZero();
    }
    // blob items: the image channels of the scene with its objects painted as blobs; only for pipelines with kinds
    DecoderTrainer.Settings blobs = new DecoderTrainer.Settings(4, 1e-3, 4.0, 1.0, 0, 0, 1.0, 0.5);
    assertThat(blobs.blobItems()).isEqualTo(2);
    Path blobOut = tmp.resolve("blob-refined");
    DecoderTraining.run(new DecoderTraining.Options(grown, tmp.resolve("dec-blobs"), blobs, 0, Placement.cpu(), 2, 0, blobOut, 0, 0, new AtomicBoolean()));
    assertThat(Files.readString(blobOut.resolve("model_index.json"))).contains("\"blob_share\" : 0.5");
    assertThatThrownBy(() -> DecoderTraining.run(new DecoderTraining.Options(out, tmp.resolve("dec-plain"), blobs, 0, Placement.cpu(), 1, 0, null, 0, 0, new AtomicBoolean())))
        .hasMessageContaining("--blob-share");
    // chunks resume exactly, the encoder's kind rows and their optimiser included
    Path whole = tmp.resolve("whole"), split = tmp.resolve("split");
    DecoderTraining.run(DecoderTrainingTest.options(grown, tmp.resolve("dec-whole"), 4, whole, 0));
    DecoderTraining.run(DecoderTrainingTest.options(grown, tmp.resolve("dec-split"), 2, null, 0));
    DecoderTraining.run(DecoderTrainingTest.options(grown, tmp.resolve("dec-split"), 2, split, 0));
    try (SafeTensorsFile a = SafeTensorsFile.open(whole.resolve(weights)); SafeTensorsFile b = SafeTensorsFile.open(split.resolve(weights))) {
      for (String k : a.names()) assertThat(Tensors.maxAbsDiff(a.load(k).to(ScalarType.Float), b.load(k).to(ScalarType.Float))).as(k).isZero();
    }
  }
}
