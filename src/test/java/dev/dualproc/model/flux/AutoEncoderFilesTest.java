package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.DType;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoEncoderFilesTest {
  static final AutoEncoderParams SMALL = new AutoEncoderParams(32, 3, 32, 3, new int[] {1, 2}, 1, 4, 0.5, 0.25);

  @Test void randomDiffusersAutoEncoderLoadsBackWithItsConfig(@TempDir Path root) throws Exception {
    Path vae = root.resolve("vae");
    AutoEncoderFiles.writeRandomDiffusers(vae, SMALL, 7);
    assertThat(AutoEncoderParams.fromJson(vae.resolve("config.json"))).isEqualTo(SMALL);
    assertThat(Files.readString(vae.resolve("config.json"))).contains("\"_class_name\" : \"AutoencoderKL\"");

    AutoEncoder fromVae = AutoEncoderFiles.load(vae, Placement.cpu());
    AutoEncoder fromPipeline = AutoEncoderFiles.load(root, Placement.cpu()); // a pipeline folder holding vae/
    assertThat(fromVae.params).isEqualTo(SMALL);
    assertThat(fromVae.report().unmatched()).isEmpty();
    assertThat(fromVae.report().matched()).hasSize(AutoEncoderFiles.bflShapes(SMALL).size());

    // the loaded modules hold exactly the random BFL tensors, whatever the layout on disk
    Map<String, Tensor> bfl = AutoEncoderFiles.randomBfl(SMALL, 7);
    assertThat(Tensors.bytes(fromVae.encoder.midAttn1.q.weight)).isEqualTo(Tensors.bytes(bfl.get("encoder.mid.attn_1.q.weight")));
    assertThat(Tensors.bytes(fromVae.decoder.up.get(1).upsample().conv.bias)).isEqualTo(Tensors.bytes(bfl.get("decoder.up.1.upsample.conv.bias")));

    try (PointerScope s = new PointerScope()) {
      Tensor image = Rng.uniform(Rng.generator(3), 2, 3, 16, 24).mul(Tensors.scalar(2)).sub(Tensors.scalar(1));
      Tensor z = fromVae.encode(image);
      assertThat(Tensors.shape(z)).containsExactly(2, 4, 8, 12);
      Tensor x = fromVae.decode(z);
      assertThat(Tensors.shape(x)).containsExactly(2, 3, 16, 24);
      assertThat(Tensors.item(x.isfinite().all())).isEqualTo(1.0);
      assertThat(Tensors.item(x.std())).isGreaterThan(1e-3); // random weights, but not a constant image
      assertThat(Tensors.bytes(fromPipeline.decode(z))).isEqualTo(Tensors.bytes(x));
    }
  }

  @Test void fluxShapesAreThoseOfAeSafetensors() {
    Map<String, long[]> s = AutoEncoderFiles.bflShapes(AutoEncoderParams.flux());
    assertThat(s).hasSize(244);
    assertThat(s.get("encoder.conv_in.weight")).containsExactly(128, 3, 3, 3);
    assertThat(s.get("encoder.down.1.block.0.nin_shortcut.weight")).containsExactly(256, 128, 1, 1);
    assertThat(s.get("encoder.conv_out.weight")).containsExactly(32, 512, 3, 3);
    assertThat(s.get("decoder.conv_in.weight")).containsExactly(512, 16, 3, 3);
    assertThat(s.get("decoder.up.0.block.0.nin_shortcut.weight")).containsExactly(128, 256, 1, 1);
    assertThat(s.get("decoder.up.3.upsample.conv.weight")).containsExactly(512, 512, 3, 3);
    assertThat(s.get("decoder.conv_out.weight")).containsExactly(3, 128, 3, 3);
    assertThat(s).doesNotContainKeys("encoder.down.3.downsample.conv.weight", "decoder.up.0.upsample.conv.weight");
  }

  @Test void fluxSizedAutoEncoderRunsAtEightTimesDownsampling() {
    AutoEncoderParams p = AutoEncoderParams.flux();
    AutoEncoder ae = AutoEncoder.load(new ConstantSource(AutoEncoderFiles.bflShapes(p)), p, Placement.cpu());
    try (PointerScope s = new PointerScope()) {
      Tensor z = ae.encode(Rng.uniform(Rng.generator(2), 1, 3, 32, 16).mul(Tensors.scalar(2)).sub(Tensors.scalar(1)));
      assertThat(Tensors.shape(z)).containsExactly(1, 16, 4, 2);
      assertThat(Tensors.shape(ae.decode(z))).containsExactly(1, 3, 32, 16);
    }
  }

  @Test void tinyParamsAreFluxShapedAndDiffusersExpressible(@TempDir Path dir) {
    AutoEncoderParams p = AutoEncoderParams.tiny(4);
    assertThat(p.downFactor()).isEqualTo(8);
    AutoEncoderFiles.writeRandomDiffusers(dir, p, 3);
    assertThat(AutoEncoderFiles.load(dir, Placement.cpu()).params).isEqualTo(p);
  }

  @Test void theSeedDecidesTheWeights(@TempDir Path dir) {
    AutoEncoderFiles.writeRandomDiffusers(dir.resolve("a"), SMALL, 1);
    AutoEncoderFiles.writeRandomDiffusers(dir.resolve("b"), SMALL, 1);
    AutoEncoderFiles.writeRandomDiffusers(dir.resolve("c"), SMALL, 2);
    String w = AutoEncoderFiles.DIFFUSERS_WEIGHTS;
    try (SafeTensorsFile a = SafeTensorsFile.open(dir.resolve("a").resolve(w)); SafeTensorsFile b = SafeTensorsFile.open(dir.resolve("b").resolve(w));
        SafeTensorsFile c = SafeTensorsFile.open(dir.resolve("c").resolve(w))) {
      String k = "decoder.up_blocks.0.resnets.0.conv1.weight";
      assertThat(Tensors.bytes(a.load(k))).isEqualTo(Tensors.bytes(b.load(k)));
      assertThat(Tensors.bytes(a.load(k))).isNotEqualTo(Tensors.bytes(c.load(k)));
      assertThat(a.shape("decoder.mid_block.attentions.0.to_out.0.weight")).containsExactly(64, 64);
    }
  }

  @Test void randomBflFileLoadsAsBfl(@TempDir Path dir) {
    Path f = dir.resolve(AutoEncoderFiles.BFL_FILE);
    AutoEncoderFiles.writeRandomBfl(f, SMALL, 5);
    AutoEncoder ae = AutoEncoderFiles.load(dir, SMALL, Placement.cpu()); // a folder holding ae.safetensors
    assertThat(ae.report().unmatched()).isEmpty();
    assertThatThrownBy(() -> AutoEncoderFiles.load(f, Placement.cpu())) // without params: FLUX.1 shapes, which do not fit
        .isInstanceOf(DualprocException.class).hasMessageContaining("has shape");
  }

  @Test void paramsDiffusersCannotExpressAreRefused(@TempDir Path dir) {
    AutoEncoderParams firstMultTwo = new AutoEncoderParams(64, 3, 32, 3, new int[] {2, 1}, 1, 4, 0.3611, 0.1159);
    assertThatThrownBy(() -> AutoEncoderFiles.writeRandomDiffusers(dir, firstMultTwo, 1))
        .isInstanceOf(DualprocException.class).hasMessageContaining("ch_mult[0]");
    assertThat(dir.resolve("config.json")).doesNotExist();
  }

  @Test void diffusersWeightsWithoutConfigNeedParams(@TempDir Path dir) throws Exception {
    AutoEncoderFiles.writeRandomDiffusers(dir, SMALL, 1);
    Files.delete(dir.resolve("config.json"));
    assertThatThrownBy(() -> AutoEncoderFiles.load(dir, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("without a config.json");
    assertThat(AutoEncoderFiles.load(dir, SMALL, Placement.cpu()).params).isEqualTo(SMALL);
  }

  @Test void wrongInputShapesAreClearErrors(@TempDir Path dir) {
    AutoEncoderFiles.writeRandomDiffusers(dir, SMALL, 1);
    AutoEncoder ae = AutoEncoderFiles.load(dir, Placement.cpu());
    assertThatThrownBy(() -> ae.encode(Rng.normal(1, 1, 4, 8, 8))).isInstanceOf(DualprocException.class).hasMessageContaining("[B, 3, H, W]");
    assertThatThrownBy(() -> ae.decode(Rng.normal(1, 3, 8, 8))).isInstanceOf(DualprocException.class).hasMessageContaining("[B, 4, H, W]");
  }

  /** Every tensor 0.01, as a broadcast view of one value: FLUX-sized weights without 335 MB of copies (values do not matter). */
  record ConstantSource(Map<String, long[]> shapes) implements TensorSource {
    @Override public String origin() { return "constant FLUX.1-sized autoencoder"; }
    @Override public Collection<String> names() { return shapes.keySet(); }
    @Override public boolean contains(String name) { return shapes.containsKey(name); }
    @Override public DType dtype(String name) { return DType.F32; }
    @Override public long[] shape(String name) { return shapes.get(name).clone(); }
    @Override public Tensor load(String name) { return Tensors.fromFloats(new float[] {0.01f}, 1).expand(shapes.get(name)); }
  }
}
