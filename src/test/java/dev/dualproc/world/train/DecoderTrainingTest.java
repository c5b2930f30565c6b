package dev.dualproc.world.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.flux.FluxPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `world train decoder` on a micro pipeline: the encoder stays, the decoder moves, chunks resume exactly, states belong to one encoder. */
class DecoderTrainingTest {
  @TempDir static Path shared;
  @TempDir Path tmp;
  static Path pipeline;

  @BeforeAll static void microPipeline() {
    pipeline = shared.resolve("generator");
    GeneratorTraining.run(GeneratorTrainingTest.micro(shared.resolve("gen-state"), 2, pipeline, 0));
  }

  static DecoderTraining.Options options(Path generator, Path state, long steps, Path out, long seed) {
    return new DecoderTraining.Options(generator, state, new DecoderTrainer.Settings(4, 1e-3, 4.0, 1.0, 0, 0), seed, Placement.cpu(), steps, 0,
        out, out == null ? 0 : 2, 0, new AtomicBoolean());
  }

  @Test void refiningChangesTheDecoderOnlyAndWritesAPipelineThatOpens() throws Exception {
    Path out = tmp.resolve("refined");
    DecoderTraining.Summary s = DecoderTraining.run(options(pipeline, tmp.resolve("state"), 3, out, 0));
    assertThat(s.step()).isEqualTo(3);
    assertThat(s.eval()).isNotNull();
    String weights = "vae/diffusion_pytorch_model.safetensors";
    try (SafeTensorsFile a = SafeTensorsFile.open(pipeline.resolve(weights)); SafeTensorsFile b = SafeTensorsFile.open(out.resolve(weights))) {
      assertThat(b.names()).containsExactlyInAnyOrderElementsOf(a.names());
      for (String k : a.names()) {
        double d = Tensors.maxAbsDiff(a.load(k).to(org.bytedeco.pytorch.global.torch.ScalarType.Float),
            b.load(k).to(org.bytedeco.pytorch.global.torch.ScalarType.Float));
        if (k.startsWith("encoder.")) assertThat(d).as(k).isZero();
      }
      assertThat(Tensors.maxAbsDiff(a.load("decoder.conv_out.weight").to(org.bytedeco.pytorch.global.torch.ScalarType.Float),
          b.load("decoder.conv_out.weight").to(org.bytedeco.pytorch.global.torch.ScalarType.Float))).isPositive();
    }
    assertThat(Files.readString(out.resolve("model_index.json"))).contains("\"decoder_steps\" : 3");
    Path picture = tmp.resolve("state/samples/decoder-000000003.png");
    assertThat(dev.dualproc.engine.Images.read(picture).getHeight()).isEqualTo(2 * 32 + 2);
    assertThat(dev.dualproc.engine.Images.readPngText(picture).get("what")).contains("round trips");
    assertThat(Files.readString(out.resolve("transformer/config.json"))).isEqualTo(Files.readString(pipeline.resolve("transformer/config.json")));
    String card = Files.readString(out.resolve("MODEL_CARD.md"));
    assertThat(card).contains("# dualproc built-in world generator").contains(DecoderTraining.HEADING).contains("- 3 steps, batch 4");
    try (FluxPipeline p = FluxPipeline.open(out, Placement.cpu(), 0, 0, 0)) {
      Tensor x = p.generate(p.encode("a red house"), 1);
      assertThat(Tensors.item(x.isfinite().all())).isEqualTo(1.0);
    }
    // refining the refined pipeline in place keeps one section and counts on from its steps
    DecoderTraining.run(options(out, tmp.resolve("again"), 1, out, 0));
    String twice = Files.readString(out.resolve("MODEL_CARD.md"));
    assertThat(twice.split(DecoderTraining.HEADING, -1)).hasSize(2);
    assertThat(twice).contains("- 4 steps, batch 4");
  }

  @Test void aGeneratorWarmStartedFromARefinedPipelineKeepsTheRefinedDecoderAndItsRecord() throws Exception {
    Path refined = tmp.resolve("refined");
    DecoderTraining.run(options(pipeline, tmp.resolve("state"), 3, refined, 0));
    Path state = tmp.resolve("gen"), first = tmp.resolve("g1"), second = tmp.resolve("g2");
    GeneratorTraining.Options base = GeneratorTrainingTest.micro(state, 1, first, 0);
    GeneratorTraining.run(new GeneratorTraining.Options(state, base.config(), base.seed(), base.placement(), 1, 0, first, 0, 1.0, 0,
        new AtomicBoolean(), refined, 0, Double.NaN));
    GeneratorTraining.run(GeneratorTrainingTest.micro(state, 1, second, 0)); // resumed from the checkpoint, then exported again
    String weights = "vae/diffusion_pytorch_model.safetensors";
    for (Path out : new Path[] {first, second}) {
      assertThat(Files.readString(out.resolve("model_index.json"))).as(out.toString()).contains("\"decoder_steps\" : 3").contains("\"decoder_settings\"");
      assertThat(Files.readString(out.resolve("MODEL_CARD.md"))).contains("refined by `world train decoder` for 3 steps");
      try (SafeTensorsFile a = SafeTensorsFile.open(refined.resolve(weights)); SafeTensorsFile b = SafeTensorsFile.open(out.resolve(weights))) {
        for (String k : a.names()) assertThat(Tensors.maxAbsDiff(a.load(k), b.load(k))).as(k).isZero();
      }
    }
  }

  @Test void aRunSplitIntoChunksEndsBitIdenticalToAnUninterruptedOne() throws Exception {
    DecoderTraining.run(options(pipeline, tmp.resolve("whole"), 4, tmp.resolve("w"), 0));
    DecoderTraining.run(options(pipeline, tmp.resolve("split"), 2, null, 0));
    DecoderTraining.run(options(pipeline, tmp.resolve("split"), 2, tmp.resolve("s"), 0));
    String weights = "vae/diffusion_pytorch_model.safetensors";
    try (SafeTensorsFile a = SafeTensorsFile.open(tmp.resolve("w").resolve(weights)); SafeTensorsFile b = SafeTensorsFile.open(tmp.resolve("s").resolve(weights))) {
      for (String k : a.names()) assertThat(Tensors.maxAbsDiff(a.load(k), b.load(k))).as(k).isZero();
    }
    assertThat(Files.readString(tmp.resolve("split/train.log"))).contains("chunk start").contains("now step 4");
  }

  @Test void aStateIsRefusedForAnotherEncoderOrSeed() {
    Path state = tmp.resolve("state");
    DecoderTraining.run(options(pipeline, state, 1, null, 0));
    Path other = tmp.resolve("other");
    GeneratorTraining.run(new GeneratorTraining.Options(tmp.resolve("other-state"), GeneratorConfig.micro(), 6, Placement.cpu(), 2, 0, other, 0, 1.0, 0,
        new AtomicBoolean(), null, 0, Double.NaN));
    assertThatThrownBy(() -> DecoderTraining.run(options(other, state, 1, null, 0))).hasMessageContaining("trainer.json").hasMessageContaining("another encoder");
    assertThatThrownBy(() -> DecoderTraining.run(options(pipeline, state, 1, null, 7))).hasMessageContaining("--seed 0, not 7");
    assertThatThrownBy(() -> DecoderTraining.run(options(tmp.resolve("nothing"), tmp.resolve("s2"), 1, null, 0))).hasMessageContaining("not a pipeline folder");
  }

  @Test void denoisedItemsDecodeTheTransformersLatentsAreRecordedAndFixedPerState() throws Exception {
    DecoderTrainer.Settings half = new DecoderTrainer.Settings(4, 1e-3, 4.0, 1.0, 0.5, 0.5);
    Path plain = tmp.resolve("plain"), den = tmp.resolve("den"), split = tmp.resolve("split"), out = tmp.resolve("out");
    DecoderTraining.run(options(pipeline, plain, 2, null, 0));
    DecoderTraining.run(withSettings(den, half, 2, out));
    DecoderTraining.run(withSettings(split, half, 1, null));
    DecoderTraining.run(withSettings(split, half, 1, null));
    String k = "decoder.conv_out.weight";
    try (SafeTensorsFile a = SafeTensorsFile.open(plain.resolve("decoder-000000002.safetensors"));
         SafeTensorsFile b = SafeTensorsFile.open(den.resolve("decoder-000000002.safetensors"));
         SafeTensorsFile c = SafeTensorsFile.open(split.resolve("decoder-000000002.safetensors"))) {
      assertThat(Tensors.maxAbsDiff(a.load(k), b.load(k))).as("denoised latents change the steps").isPositive();
      for (String n : b.names()) assertThat(Tensors.bytes(c.load(n))).as("chunks resume bit for bit: " + n).isEqualTo(Tensors.bytes(b.load(n)));
    }
    assertThat(Files.readString(den.resolve("trainer.json"))).contains("\"denoised\" : 0.5", "\"denoise_from\" : 0.5");
    assertThat(Files.readString(out.resolve("MODEL_CARD.md"))).contains("50% of each batch decoded instead from the transformer's own denoising", "--denoised-fraction 0.5 --denoise-from 0.5");
    assertThatThrownBy(() -> DecoderTraining.run(options(pipeline, den, 1, null, 0))).hasMessageContaining("trained with other settings");
    assertThatThrownBy(() -> DecoderTraining.run(withSettings(tmp.resolve("low"), new DecoderTrainer.Settings(4, 1e-3, 4.0, 1.0, 0.5, 1e-4), 1, null)))
        .hasMessageContaining("--denoise-from 1.0E-4: no time");
    assertThatThrownBy(() -> new DecoderTrainer.Settings(4, 1e-3, 4.0, 1.0, 1.5, 0.5)).hasMessageContaining("--denoised-fraction");
  }

  static DecoderTraining.Options withSettings(Path state, DecoderTrainer.Settings s, long steps, Path out) {
    return new DecoderTraining.Options(pipeline, state, s, 0, Placement.cpu(), steps, 0, out, out == null ? 0 : 2, 0, new AtomicBoolean());
  }

  @Test void theLossWeighsObjectsAndEdges() {
    Tensor flat = Tensors.fromFloats(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0}, 1, 1, 3, 3);
    Tensor spike = Tensors.fromFloats(new float[] {0, 0, 0, 0, 1, 0, 0, 0, 0}, 1, 1, 3, 3);
    Tensor w = Tensors.fromFloats(new float[] {1, 1, 1, 1, 5, 1, 1, 1, 1}, 1, 1, 3, 3);
    assertThat(Tensors.item(DecoderTrainer.weightedL1(spike, flat, w))).isCloseTo(5.0 / 13, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(Tensors.item(DecoderTrainer.weightedL1(spike, spike, w))).isZero();
    // a uniform offset keeps every edge: only the flat term sees it
    assertThat(Tensors.item(DecoderTrainer.edgeL1(flat.add(Tensors.scalar(0.5)), flat))).isZero();
    assertThat(Tensors.item(DecoderTrainer.edgeL1(spike, flat))).isCloseTo(2 * 2.0 / 6, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test void theCardSectionIsReplacedNotRepeated() {
    String card = "# card\n\n## Held-out figures\nx\n\n" + DecoderTraining.HEADING + "\nold\n\n## Reproduce\ny\n";
    String again = DecoderTraining.withSection(card, DecoderTraining.HEADING + "\nnew\n\n");
    assertThat(again).isEqualTo("# card\n\n## Held-out figures\nx\n\n" + DecoderTraining.HEADING + "\nnew\n\n## Reproduce\ny\n");
    assertThat(DecoderTraining.withSection("# card\n", "S\n")).isEqualTo("# card\n\nS\n");
  }
}
