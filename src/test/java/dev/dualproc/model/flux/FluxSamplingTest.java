package dev.dualproc.model.flux;

import static dev.dualproc.model.flux.FluxFixtures.TOLERANCE;
import static dev.dualproc.model.flux.FluxFixtures.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Packing, ids, schedules and the schnell sampler against tiny-schnell-sample (BFL sampling.py). */
class FluxSamplingTest {
  static Flux flux;
  static Map<String, Tensor> s;

  @BeforeAll static void load() {
    flux = FluxFixtures.model();
    s = FluxFixtures.tensors("tiny-schnell-sample.safetensors");
  }

  static FluxCond cond() { return new FluxCond(s.get("txt"), s.get("txt_ids"), s.get("vec")); }

  @Test void seededNoisePackingAndIdsAreExact() {
    long seed = Tensors.longs(s.get("noise_seed"))[0];
    Tensor noise = FluxSampler.noise(seed, 2, 4, 16, 24);
    assertThat(Tensors.bytes(noise)).as("noise of seed " + seed).isEqualTo(Tensors.bytes(s.get("noise")));
    Tensor packed = LatentPacking.pack(noise);
    assertThat(Tensors.bytes(packed)).as("pack").isEqualTo(Tensors.bytes(s.get("img")));
    assertThat(Tensors.bytes(LatentPacking.unpack(packed, 8, 12))).as("unpack(pack(x)) = x").isEqualTo(Tensors.bytes(noise));
    assertThat(Tensors.bytes(LatentPacking.imgIds(2, 8, 12))).as("img_ids").isEqualTo(Tensors.bytes(s.get("img_ids")));
    assertThat(Tensors.bytes(LatentPacking.txtIds(2, 7))).as("txt_ids").isEqualTo(Tensors.bytes(s.get("txt_ids")));
    // the io fixture packs its latent the same way
    Map<String, Tensor> io = FluxFixtures.tensors("tiny-flux-io.safetensors");
    assertThat(Tensors.bytes(LatentPacking.pack(io.get("img_latent")))).isEqualTo(Tensors.bytes(io.get("img")));
    assertThat(Tensors.shape(FluxSampler.noiseForImage(0, 16, 512, 512))).containsExactly(1, 16, 64, 64);
    assertThat(Tensors.shape(FluxSampler.noiseForImage(0, 16, 1000, 520))).containsExactly(1, 16, 66, 126);
  }

  @Test void schedulesEqualTheReference() {
    assertThat(FluxSchedule.schnell(4)).containsExactly(Tensors.floats(s.get("timesteps")));
    assertThat(FluxSchedule.schnell(4)).containsExactly(1f, 0.75f, 0.5f, 0.25f, 0f);
    float[] shift = FluxSchedule.dev(4, 96), expected = Tensors.floats(s.get("timesteps_shift"));
    float[] dev50 = FluxSchedule.dev(50, 4096), expected50 = Tensors.floats(s.get("timesteps_dev50_seq4096"));
    System.out.println("dev schedule L=96: " + java.util.Arrays.toString(shift));
    for (int i = 0; i < expected.length; i++) assertThat((double) shift[i]).as("shifted t[" + i + "]").isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6));
    for (int i = 0; i < expected50.length; i++) assertThat((double) dev50[i]).as("dev50 t[" + i + "]").isCloseTo(expected50[i], org.assertj.core.data.Offset.offset(1e-6));
    assertThat(FluxSchedule.mu(256)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(FluxSchedule.mu(4096)).isCloseTo(1.15, org.assertj.core.data.Offset.offset(1e-12));
    assertThatThrownBy(() -> FluxSchedule.schnell(0)).isInstanceOf(DualprocException.class);
  }

  @Test void schnellSampleFollowsTheReferenceTrajectory() {
    FluxSampler sampler = FluxSampler.schnell(flux, 4);
    Tensor traj = s.get("traj"), preds = s.get("preds");
    List<String> checked = new ArrayList<>();
    Tensor out = sampler.denoisePacked(s.get("img"), s.get("img_ids"), cond(), 0, 4, (i, x, v, next) -> {
      assertClose("preds[" + i + "]", v, preds.select(0, i), TOLERANCE);
      assertClose("traj[" + (i + 1) + "]", next, traj.select(0, i + 1), TOLERANCE);
      checked.add("step " + i);
    });
    assertThat(checked).hasSize(4);
    assertClose("out_packed", out, s.get("out_packed"), TOLERANCE);
    assertClose("latent", LatentPacking.unpack(out, 8, 12), s.get("latent"), TOLERANCE);
    // the unpacked API gives the same latent
    assertClose("sample(noise)", sampler.sample(s.get("noise"), cond()), s.get("latent"), TOLERANCE);
  }

  @Test void rolloutAndOneStepAreTheTeachingEntryPoints() {
    FluxSampler sampler = FluxSampler.schnell(flux, 4);
    Tensor noise = s.get("noise");
    assertThat(Tensors.bytes(sampler.rollout(noise, cond(), 0))).isEqualTo(Tensors.bytes(noise));
    Tensor z2 = sampler.rollout(noise, cond(), 2);
    assertThat(z2.requires_grad()).isFalse();
    assertClose("rollout to step 2", z2, LatentPacking.unpack(s.get("traj").select(0, 2), 8, 12), TOLERANCE);
    for (int i = 0; i < 4; i++) {
      Tensor zt = LatentPacking.unpack(s.get("traj").select(0, i), 8, 12);
      Tensor x0;
      try (NoGradGuard g = new NoGradGuard()) { x0 = sampler.oneStep(zt, i, cond()); }
      // x0 = z_t - sigma_i v_i with sigma_i = t_i; at the last step the Euler update lands on exactly this estimate
      Tensor expected = s.get("traj").select(0, i).sub(s.get("preds").select(0, i).mul(new org.bytedeco.pytorch.Scalar((double) sampler.sigma(i))));
      assertClose("x0 at step " + i, x0, LatentPacking.unpack(expected, 8, 12), TOLERANCE);
    }
    // with grad: a gradient reaches the input-side parameters through one step
    Tensor w = flux.linear("img_in").weight;
    w.requires_grad_(true);
    try {
      Tensor x0 = sampler.oneStep(noise, 0, cond());
      assertThat(x0.requires_grad()).isTrue();
      x0.square().sum().backward();
      assertThat(Tensors.item(w.grad().abs().sum())).isGreaterThan(0);
    } finally {
      w.requires_grad_(false);
    }
    assertThatThrownBy(() -> sampler.rollout(noise, cond(), 5)).isInstanceOf(DualprocException.class).hasMessageContaining("outside 0..4");
    assertThatThrownBy(() -> sampler.oneStep(noise, 4, cond())).isInstanceOf(DualprocException.class);
  }
}
