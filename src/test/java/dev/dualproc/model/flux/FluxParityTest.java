package dev.dualproc.model.flux;

import static dev.dualproc.model.flux.FluxFixtures.TOLERANCE;
import static dev.dualproc.model.flux.FluxFixtures.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java transformer against tensors computed by the BFL reference code (fixtures/flux README). */
class FluxParityTest {
  static Flux flux;
  static Map<String, Tensor> io;

  @BeforeAll static void load() {
    flux = FluxFixtures.model();
    io = FluxFixtures.tensors("tiny-flux-io.safetensors");
  }

  @Test void everyFixtureWeightIsUsed() {
    assertThat(flux.loadReport().unmatched()).isEmpty();
    assertThat(flux.loadReport().matched()).hasSize(80);
    assertThat(flux.stateDict()).hasSize(80);
  }

  @Test void forwardMatchesTheReference() {
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor out = flux.forward(io.get("img"), io.get("img_ids"), io.get("txt"), io.get("txt_ids"), io.get("timesteps"), io.get("y"), null);
      assertClose("out", out, io.get("out"), TOLERANCE);
      Tensor alt = flux.forward(io.get("img"), io.get("img_ids_alt"), io.get("txt"), io.get("txt_ids_alt"), io.get("timesteps"), io.get("y"), null);
      assertClose("out_alt (non-zero axis-0 and text ids)", alt, io.get("out_alt"), TOLERANCE);
    }
  }

  @Test void intermediatesMatchTheTrace() {
    Map<String, Tensor> trace = FluxFixtures.tensors("tiny-flux-trace.safetensors");
    Map<String, Tensor> seen = new HashMap<>();
    try (NoGradGuard g = new NoGradGuard()) {
      flux.forward(io.get("img"), io.get("img_ids"), io.get("txt"), io.get("txt_ids"), io.get("timesteps"), io.get("y"), null, seen::put);
    }
    assertThat(seen.keySet()).containsAll(trace.keySet());
    for (var e : trace.entrySet()) assertClose("trace " + e.getKey(), seen.get(e.getKey()), e.getValue(), TOLERANCE);
  }

  @Test void bf16WeightsRunCloseToTheReference() {
    Flux bf16;
    try (var f = dev.dualproc.engine.SafeTensorsFile.open(dev.dualproc.engine.Fixtures.flux("tiny-flux.safetensors"))) {
      bf16 = Flux.load(f, FluxFixtures.params(), dev.dualproc.engine.Placement.cpuBf16());
    }
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor out = bf16.forward(io.get("img"), io.get("img_ids"), io.get("txt"), io.get("txt_ids"), io.get("timesteps"), io.get("y"), null);
      assertThat(dev.dualproc.engine.Tensors.isDtype(out, org.bytedeco.pytorch.global.torch.ScalarType.BFloat16)).isTrue();
      // bf16 has 8 mantissa bits: a few 1e-3 of relative error per op, far below the 0.05+ of a real mistake
      assertClose("out (bf16 weights and activations)", out, io.get("out"), 0.05);
    }
  }

  @Test void gradientsMatchTheReference() {
    Tensor img = io.get("img").clone().requires_grad_(true), txt = io.get("txt").clone().requires_grad_(true),
        y = io.get("y").clone().requires_grad_(true);
    Map<String, Tensor> params = flux.stateDict();
    params.values().forEach(p -> p.requires_grad_(true));
    try {
      Tensor out = flux.forward(img, io.get("img_ids"), txt, io.get("txt_ids"), io.get("timesteps"), y, null);
      out.mul(io.get("R")).sum().backward();
      assertClose("grad_img", img.grad(), io.get("grad_img"), TOLERANCE);
      assertClose("grad_txt", txt.grad(), io.get("grad_txt"), TOLERANCE);
      assertClose("grad_y", y.grad(), io.get("grad_y"), TOLERANCE);
      Map<String, Tensor> grads = FluxFixtures.tensors("tiny-flux-grads.safetensors");
      assertThat(params.keySet()).containsExactlyInAnyOrderElementsOf(grads.keySet());
      for (var e : grads.entrySet()) assertClose("grad " + e.getKey(), params.get(e.getKey()).grad(), e.getValue(), TOLERANCE);
    } finally {
      params.values().forEach(p -> { p.requires_grad_(false); });
    }
  }
}
