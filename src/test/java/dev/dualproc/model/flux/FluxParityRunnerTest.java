package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.TensorSources;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FluxParity, the engine of `dualproc parity flux DIR`, on the shared fixtures and on another folder of that format. */
class FluxParityRunnerTest {
  @TempDir Path tmp;

  @Test void theSharedFixturesPass() {
    FluxParity.Result r = FluxParity.run(FluxFixtures.folder(), FluxFixtures.TOLERANCE, null);
    r.comparisons().stream().filter(c -> !c.ok()).forEach(c -> System.out.println(c.line()));
    assertThat(r.ok()).isTrue();
    assertThat(r.comparisons()).extracting(FluxParity.Comparison::name)
        .contains("out", "out_alt", "trace pe", "grad_img", "grad_txt", "grad_y", "grad img_in.weight", "out (diffusers-named weights)",
            "timesteps", "timesteps_shift", "noise (seeded)", "preds[3]", "traj[4]", "latent");
    assertThat(r.comparisons()).hasSizeGreaterThan(80 + 14 + 10);
    assertThat(r.skipped()).containsExactly("image: no autoencoder given");
  }

  @Test void anotherConfigWorksAndAWrongReferenceFails() throws Exception {
    // a dev-style config (guidance embedder), other axes and depths
    FluxParams p = new FluxParams(8, 8, 12, 20, 32, 2.0, 2, 1, 3, new int[] {4, 6, 6}, 10_000, false, true);
    Path dir = tmp.resolve("set-b");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), "{\"flux\": {\"in_channels\": 8, \"out_channels\": 8, \"vec_in_dim\": 12, "
        + "\"context_in_dim\": 20, \"hidden_size\": 32, \"mlp_ratio\": 2.0, \"num_heads\": 2, \"depth\": 1, "
        + "\"depth_single_blocks\": 3, \"axes_dim\": [4, 6, 6], \"theta\": 10000, \"qkv_bias\": false, \"guidance_embed\": true}}");
    Map<String, Tensor> weights = FluxInit.randomWeights(p, 5);
    SafeTensorsWriter.write(dir.resolve("tiny-flux.safetensors"), weights, Map.of());
    Flux f = Flux.load(TensorSources.of("w", weights), p, Placement.cpu());
    Map<String, Tensor> io = new LinkedHashMap<>();
    io.put("img", LatentPacking.pack(Rng.normal(1, 1, 2, 6, 4)));
    io.put("img_ids", LatentPacking.imgIds(1, 3, 2));
    io.put("txt", Rng.normal(2, 1, 5, 20));
    io.put("txt_ids", LatentPacking.txtIds(1, 5));
    io.put("y", Rng.normal(3, 1, 12));
    io.put("timesteps", Tensors.fromFloats(new float[] {0.6f}, 1));
    io.put("guidance", Tensors.fromFloats(new float[] {3.5f}, 1));
    try (NoGradGuard g = new NoGradGuard()) {
      io.put("out", f.forward(io.get("img"), io.get("img_ids"), io.get("txt"), io.get("txt_ids"), io.get("timesteps"), io.get("y"), io.get("guidance")));
    }
    SafeTensorsWriter.write(dir.resolve("tiny-flux-io.safetensors"), io, Map.of());
    FluxParity.Result ok = FluxParity.run(dir, 1e-4, null);
    assertThat(ok.ok()).isTrue();
    assertThat(ok.comparisons()).extracting(FluxParity.Comparison::name).containsExactly("out");

    io.put("out", io.get("out").mul(new Scalar(1.001)));
    SafeTensorsWriter.write(dir.resolve("tiny-flux-io.safetensors"), io, Map.of());
    FluxParity.Result bad = FluxParity.run(dir, 1e-4, null);
    assertThat(bad.ok()).isFalse();
    assertThat(bad.comparisons().get(0).line()).contains("FAIL");

    Files.delete(dir.resolve("config.json"));
    assertThatThrownBy(() -> FluxParity.run(dir, 1e-4, null)).isInstanceOf(DualprocException.class).hasMessageContaining("missing config.json");
  }
}
