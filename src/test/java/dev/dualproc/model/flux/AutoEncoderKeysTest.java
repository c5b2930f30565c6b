package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Fixtures;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.flux.AutoEncoderKeys.Mapped;
import dev.dualproc.model.flux.AutoEncoderKeys.Transform;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoEncoderKeysTest {
  static final AutoEncoderParams TINY = new AutoEncoderParams(64, 3, 32, 3, new int[] {2, 1}, 1, 4, 0.3611, 0.1159);

  @Test void fluxKeysMapToTheDiffusersNamesOfTheConversionScript() {
    int levels = AutoEncoderParams.flux().levels();
    assertMaps("decoder.up.3.block.0.conv1.weight", "decoder.up_blocks.0.resnets.0.conv1.weight", Transform.COPY, levels);
    assertMaps("decoder.up.0.block.2.norm2.bias", "decoder.up_blocks.3.resnets.2.norm2.bias", Transform.COPY, levels);
    assertMaps("decoder.up.1.upsample.conv.bias", "decoder.up_blocks.2.upsamplers.0.conv.bias", Transform.COPY, levels);
    assertMaps("decoder.up.2.block.0.nin_shortcut.weight", "decoder.up_blocks.1.resnets.0.conv_shortcut.weight", Transform.COPY, levels);
    assertMaps("encoder.down.2.downsample.conv.weight", "encoder.down_blocks.2.downsamplers.0.conv.weight", Transform.COPY, levels);
    assertMaps("encoder.down.1.block.0.nin_shortcut.weight", "encoder.down_blocks.1.resnets.0.conv_shortcut.weight", Transform.COPY, levels);
    assertMaps("encoder.mid.block_2.norm2.weight", "encoder.mid_block.resnets.1.norm2.weight", Transform.COPY, levels);
    assertMaps("decoder.mid.attn_1.norm.weight", "decoder.mid_block.attentions.0.group_norm.weight", Transform.COPY, levels);
    assertMaps("decoder.mid.attn_1.proj_out.weight", "decoder.mid_block.attentions.0.to_out.0.weight", Transform.CONV1X1_AS_LINEAR, levels);
    assertMaps("encoder.mid.attn_1.q.bias", "encoder.mid_block.attentions.0.to_q.bias", Transform.CONV1X1_AS_LINEAR, levels);
    assertMaps("encoder.norm_out.bias", "encoder.conv_norm_out.bias", Transform.COPY, levels);
    assertMaps("decoder.conv_in.weight", "decoder.conv_in.weight", Transform.COPY, levels);
  }

  @Test void everyFluxKeyRoundTripsToAUniqueDiffusersName() {
    AutoEncoderParams p = AutoEncoderParams.flux();
    Set<String> diffusers = new HashSet<>();
    for (String k : AutoEncoderFiles.bflShapes(p).keySet()) {
      Mapped m = AutoEncoderKeys.toDiffusers(k, p.levels()).orElseThrow(() -> new AssertionError("no diffusers name for " + k));
      assertThat(diffusers.add(m.key())).as("diffusers name of " + k + " is unique").isTrue();
      assertThat(AutoEncoderKeys.toBfl(m.key(), p.levels()).map(Mapped::key)).as(m.key()).contains(k);
    }
    assertThat(AutoEncoderKeys.isDiffusers(diffusers)).isTrue();
    assertThat(AutoEncoderKeys.isDiffusers(AutoEncoderFiles.bflShapes(p).keySet())).isFalse();
  }

  @Test void keysOutsideTheTableOrTheLevelsDoNotMap() {
    assertThat(AutoEncoderKeys.toDiffusers("decoder.up.4.block.0.conv1.weight", 4)).isEmpty();
    assertThat(AutoEncoderKeys.toBfl("decoder.up_blocks.4.resnets.0.conv1.weight", 4)).isEmpty();
    assertThat(AutoEncoderKeys.toBfl("quant_conv.weight", 4)).isEmpty();
    assertThat(AutoEncoderKeys.toBfl("decoder.up_blocks.99999999999999.resnets.0.conv1.weight", 4)).isEmpty();
    assertThat(AutoEncoderKeys.toDiffusers("encoder.down.0.block.0.conv3.weight", 4)).isEmpty();
  }

  @Test void bflShapesListExactlyTheFixtureKeysAndShapes() {
    try (SafeTensorsFile f = SafeTensorsFile.open(Fixtures.flux("tiny-ae.safetensors"))) {
      Map<String, long[]> expected = AutoEncoderFiles.bflShapes(TINY);
      assertThat(f.names()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      for (String k : f.names()) assertThat(f.shape(k)).as(k).isEqualTo(expected.get(k));
    }
  }

  @Test void diffusersNamedFixtureWeightsGiveIdenticalOutputs(@TempDir Path dir) {
    Path vae = writeDiffusersCopy(dir, Map.of(), Set.of());
    AutoEncoder bfl = AutoEncoderFiles.load(Fixtures.flux("tiny-ae.safetensors"), TINY, Placement.cpu());
    AutoEncoder diff = AutoEncoderFiles.load(vae, TINY, Placement.cpu());
    assertThat(diff.report().unmatched()).isEmpty();
    assertThat(diff.report().matched()).hasSize(122);
    try (SafeTensorsFile io = SafeTensorsFile.open(Fixtures.flux("tiny-ae-io.safetensors")); PointerScope s = new PointerScope()) {
      Tensor x = io.load("x"), z = io.load("z");
      assertThat(Tensors.bytes(diff.encode(x))).isEqualTo(Tensors.bytes(bfl.encode(x)));
      assertThat(Tensors.bytes(diff.decode(z))).isEqualTo(Tensors.bytes(bfl.decode(z)));
      AutoEncoderParityTest.assertClose("xrec (diffusers names)", diff.decode(z), io.load("xrec"));
    }
  }

  @Test void extraDiffusersTensorsAreReportedAsUnmatched(@TempDir Path dir) {
    Path vae = writeDiffusersCopy(dir, Map.of("quant_conv.weight", Tensors.fromFloats(new float[64], 8, 8, 1, 1)), Set.of());
    AutoEncoder ae = AutoEncoderFiles.load(vae, TINY, Placement.cpu());
    assertThat(ae.report().unmatched()).containsExactly("quant_conv.weight");
    assertThat(ae.report().summary()).contains("matched 122/123").contains("quant_conv.weight");
  }

  @Test void aMissingTensorFailsWithItsName(@TempDir Path dir) {
    Path vae = writeDiffusersCopy(dir, Map.of(), Set.of("decoder.mid_block.attentions.0.to_v.weight"));
    assertThatThrownBy(() -> AutoEncoderFiles.load(vae, TINY, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("missing tensor 'decoder.mid.attn_1.v.weight'");
  }

  @Test void aMisShapedTensorFailsWithBothShapes(@TempDir Path dir) {
    Path vae = writeDiffusersCopy(dir, Map.of("encoder.conv_norm_out.weight", Tensors.fromFloats(new float[64], 64)), Set.of());
    assertThatThrownBy(() -> AutoEncoderFiles.load(vae, TINY, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("encoder.norm_out.weight").hasMessageContaining("[64]")
        .hasMessageContaining("expected [32]");
  }

  @Test void theWrongConfigFailsOnTheFirstMismatchedShape() {
    AutoEncoderParams wrong = new AutoEncoderParams(64, 3, 32, 3, new int[] {1, 2}, 1, 4, 0.3611, 0.1159);
    assertThatThrownBy(() -> AutoEncoderFiles.load(Fixtures.flux("tiny-ae.safetensors"), wrong, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("has shape");
  }

  /** The fixture weights renamed through the table in reverse, as {@code vae/diffusion_pytorch_model.safetensors}. */
  static Path writeDiffusersCopy(Path dir, Map<String, Tensor> replaceOrAdd, Set<String> drop) {
    Map<String, Tensor> bfl = new LinkedHashMap<>();
    try (SafeTensorsFile f = SafeTensorsFile.open(Fixtures.flux("tiny-ae.safetensors"))) {
      for (String k : f.names()) bfl.put(k, f.load(k));
    }
    Map<String, Tensor> diffusers = AutoEncoderKeys.bflToDiffusers(bfl, TINY.levels());
    assertThat(diffusers.get("encoder.mid_block.attentions.0.to_q.weight").dim()).isEqualTo(2); // linear, not 1x1 conv
    diffusers.keySet().removeAll(drop);
    diffusers.putAll(replaceOrAdd);
    Path vae = dir.resolve("vae");
    SafeTensorsWriter.write(vae.resolve(AutoEncoderFiles.DIFFUSERS_WEIGHTS), diffusers, Map.of("format", "pt"));
    return vae;
  }

  private static void assertMaps(String bfl, String diffusers, Transform t, int levels) {
    assertThat(AutoEncoderKeys.toDiffusers(bfl, levels)).as(bfl).hasValueSatisfying(m -> {
      assertThat(m.key()).isEqualTo(diffusers);
      assertThat(m.transform()).isEqualTo(t);
    });
    assertThat(AutoEncoderKeys.toBfl(diffusers, levels).map(Mapped::key)).as(diffusers).contains(bfl);
  }
}
