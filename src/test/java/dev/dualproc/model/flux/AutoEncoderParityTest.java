package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.ActivationCheckpoint;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Fixtures;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java autoencoder against tensors computed by the BFL reference code (fixtures/flux/tiny-ae*, README). */
class AutoEncoderParityTest {
  // the float32 rounding floor of these fixtures is ~1e-6 (README "Sensitivity"); GroupNorm eps 1e-5 would move z by 3.3e-5
  static final double TOLERANCE = 1e-5;

  static AutoEncoder ae;
  static SafeTensorsFile io;

  @BeforeAll static void load() {
    AutoEncoderParams p = AutoEncoderParams.fromJson(Fixtures.flux("config.json"));
    ae = AutoEncoderFiles.load(Fixtures.flux("tiny-ae.safetensors"), p, Placement.cpu());
    io = SafeTensorsFile.open(Fixtures.flux("tiny-ae-io.safetensors"));
  }

  @AfterAll static void close() { io.close(); }

  @Test void fixtureConfigIsTheReadmeConfig() {
    assertThat(ae.params).isEqualTo(new AutoEncoderParams(64, 3, 32, 3, new int[] {2, 1}, 1, 4, 0.3611, 0.1159));
    assertThat(ae.report().unmatched()).isEmpty();
    assertThat(ae.report().matched()).hasSize(122);
  }

  @Test void encoderMomentsMatchReference() {
    try (PointerScope s = new PointerScope()) {
      assertClose("moments", ae.moments(io.load("x")), io.load("moments"));
    }
  }

  @Test void encodeMatchesReference() {
    try (PointerScope s = new PointerScope()) {
      Tensor z = ae.encode(io.load("x"));
      assertThat(z.requires_grad()).isFalse();
      assertClose("z", z, io.load("z"));
    }
  }

  @Test void decodeMatchesReference() {
    try (PointerScope s = new PointerScope()) {
      assertClose("xrec", ae.decode(io.load("z")), io.load("xrec"));
    }
  }

  @Test void decodeGradientMatchesReference() {
    try (PointerScope s = new PointerScope()) {
      Tensor z = io.load("z").requires_grad_(true);
      Tensor loss = ae.decode(z).mul(io.load("R2")).sum();
      loss.backward();
      assertClose("grad_z", z.grad(), io.load("grad_z"));
    }
  }

  @Test void decodeOfTheSchnellSampleLatentMatchesReference() {
    try (SafeTensorsFile sample = SafeTensorsFile.open(Fixtures.flux("tiny-schnell-sample.safetensors"));
        PointerScope s = new PointerScope()) {
      assertClose("image", ae.decode(sample.load("latent")), sample.load("image")); // batch 2
    }
  }

  @Test void checkpointedDecodeGivesTheSameImageAndGradient() {
    try (PointerScope s = new PointerScope()) {
      Tensor z = io.load("z").requires_grad_(true);
      ActivationCheckpoint c = ActivationCheckpoint.of(ae.decodeSegments(), z);
      Tensor x = c.output();
      x.mul(io.load("R2")).sum().backward();
      c.backward();
      assertClose("xrec (checkpointed)", x, io.load("xrec"));
      assertClose("grad_z (checkpointed)", z.grad(), io.load("grad_z"));
      Tensor z2 = io.load("z").requires_grad_(true);
      ae.decode(z2).mul(io.load("R2")).sum().backward();
      // the same to float rounding: a convolution whose input needs a gradient runs another CPU kernel (Convolutions)
      assertThat(Tensors.relativeError(x, ae.decode(io.load("z")))).isLessThan(1e-6);
      assertThat(Tensors.relativeError(z.grad(), z2.grad())).isLessThan(1e-6);
    }
  }

  @Test void bfloat16DecodeStaysNearTheReferenceAndKeepsItsGradient() {
    AutoEncoder bf16 = AutoEncoderFiles.load(Fixtures.flux("tiny-ae.safetensors"), ae.params, Placement.cpuBf16());
    try (PointerScope s = new PointerScope()) {
      Tensor z = io.load("z").requires_grad_(true); // float32 in: decode casts to the placement's dtype
      Tensor x = bf16.decode(z);
      assertThat(Tensors.isDtype(x, ScalarType.BFloat16)).isTrue();
      x.to(ScalarType.Float).mul(io.load("R2")).sum().backward();
      double relX = Tensors.relativeError(x, io.load("xrec")), relGrad = Tensors.relativeError(z.grad(), io.load("grad_z"));
      System.out.printf("bf16: xrec relative %.3e, grad_z relative %.3e%n", relX, relGrad);
      assertThat(relX).isLessThan(0.05);
      assertThat(relGrad).isLessThan(0.05);
    }
  }

  @Test void parityRunComparesEveryAutoencoderTensorOfTheFolder() {
    var results = AutoEncoderParity.run(Fixtures.shared().resolve("fixtures").resolve("flux"), Placement.cpu());
    results.forEach(c -> System.out.printf("parity %-24s %-16s max abs %.3e  relative %.3e%n", c.name(),
        Arrays.toString(c.shape()), c.maxAbs(), c.relative()));
    assertThat(results).extracting(AutoEncoderParity.Comparison::name)
        .containsExactly("ae.moments", "ae.encode z", "ae.decode xrec", "ae.decode grad_z", "ae.decode sample image");
    assertThat(results).allSatisfy(c -> assertThat(c.within(TOLERANCE)).as(c.name() + " " + c.relative()).isTrue());
  }

  @Test void parityRunNamesAMissingFixtureFile(@TempDir Path dir) {
    assertThatThrownBy(() -> AutoEncoderParity.run(dir, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("missing config.json");
  }

  static void assertClose(String name, Tensor actual, Tensor expected) {
    assertThat(Tensors.shape(actual)).as(name + " shape").isEqualTo(Tensors.shape(expected));
    double rel = Tensors.relativeError(actual, expected);
    System.out.printf("%-8s max abs %.3e  relative %.3e%n", name, Tensors.maxAbsDiff(actual, expected), rel);
    assertThat(rel).as(name + ": max |java - reference| / max |reference|").isLessThanOrEqualTo(TOLERANCE);
  }
}
