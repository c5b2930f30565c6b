package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model_index.json's "dualproc" object: sampling defaults a pipeline folder carries (the built-in generator's). */
class FluxPipelineDefaultsTest {
  @TempDir Path tmp;

  private Path withDualproc(String json) throws Exception {
    Path dir = tmp.resolve("p");
    TinyFlux.write(dir, 3);
    ObjectMapper m = new ObjectMapper();
    ObjectNode index = (ObjectNode) m.readTree(dir.resolve("model_index.json").toFile());
    index.set("dualproc", m.readTree(json));
    Files.writeString(dir.resolve("model_index.json"), index.toString());
    return dir;
  }

  @Test void theFolderDefaultsSetStepsSizeTeachingModeAndPromptLength() throws Exception {
    Path dir = withDualproc("{\"steps\": 3, \"width\": 32, \"height\": 48, \"one_step_teaching\": false, \"max_sequence_length\": 12}");
    try (FluxPipeline p = FluxPipeline.open(dir, Placement.cpu(), 0, 0, 0)) {
      assertThat(p.steps()).isEqualTo(3);
      assertThat(p.width()).isEqualTo(32);
      assertThat(p.height()).isEqualTo(48);
      assertThat(p.oneStepFromNoise()).isFalse();
      assertThat(p.variant.t5MaxLength()).isEqualTo(12);
      assertThat(Tensors.shape(p.encode("a red ball").get("txt"))).containsExactly(1, 12, TinyFlux.params().contextInDim());
      assertThat(Tensors.shape(p.generate(p.encode("a red ball"), 1))).containsExactly(1, 3, 48, 32);
    }
    try (FluxPipeline p = FluxPipeline.open(dir, Placement.cpu(), 64, 64, 2)) {
      assertThat(p.steps()).as("explicit arguments win").isEqualTo(2);
      assertThat(p.width()).isEqualTo(64);
    }
  }

  @Test void guidanceMixesInTheEmptyPromptAndOneMeansNone() throws Exception {
    Path dir = withDualproc("{\"guidance_scale\": 3.0}");
    try (FluxPipeline p = FluxPipeline.open(dir, Placement.cpu(), 0, 0, 0)) {
      assertThat(p.guidanceScale()).isEqualTo(3.0);
      var c = p.encode("a red ball");
      var guided = p.generate(c, 4);
      assertThat(Tensors.maxAbsDiff(guided, p.generate(c, 4))).isZero();
      p.setGuidanceScale(1.0);
      var plain = p.generate(c, 4);
      assertThat(Tensors.maxAbsDiff(guided, plain)).as("guidance changes the image").isGreaterThan(1e-4);
      // by hand: guided velocity = v(empty) + 3 (v(prompt) - v(empty)) at every Euler step
      FluxSampler s = p.sampler();
      FluxCond cond = FluxCond.from(c), empty = FluxCond.from(p.encode(""));
      try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
        var noise = p.noise(4);
        var ids = LatentPacking.imgIds(1, noise.size(2) / 2, noise.size(3) / 2);
        var x = LatentPacking.pack(noise);
        float[] ts = s.timesteps();
        for (int i = 0; i < s.steps(); i++) {
          var vu = s.velocity(x, ids, i, empty);
          var v = vu.add(s.velocity(x, ids, i, cond).sub(vu).mul(Tensors.scalar(3.0)));
          x = x.add(v.mul(Tensors.scalar((double) ts[i + 1] - ts[i])));
        }
        var byHand = p.ae.decode(LatentPacking.unpack(x, noise.size(2) / 2, noise.size(3) / 2)).clamp(
            new org.bytedeco.pytorch.ScalarOptional(Tensors.scalar(-1)), new org.bytedeco.pytorch.ScalarOptional(Tensors.scalar(1)));
        assertThat(Tensors.maxAbsDiff(guided, byHand)).isLessThan(1e-5);
      }
    }
  }

  @Test void aPromptFirstEncodedInsideAStepScopeStaysCachedAfterIt() throws Exception {
    Path dir = withDualproc("{\"guidance_scale\": 2.0}");
    try (FluxPipeline p = FluxPipeline.open(dir, Placement.cpu(), 0, 0, 0)) {
      dev.dualproc.engine.StepScope.run(() -> p.generate(p.encode("a blue car"), 1)); // encodes "a blue car" and "" in the scope
      var c = p.encode("a blue car");
      assertThat(c.get("txt").isNull()).as("cached tensors survive the scope").isFalse();
      assertThat(p.encode("").get("vec").isNull()).isFalse();
      var image = p.generate(c, 1);
      try (FluxPipeline fresh = FluxPipeline.open(dir, Placement.cpu(), 0, 0, 0)) {
        assertThat(Tensors.maxAbsDiff(image, fresh.generate(fresh.encode("a blue car"), 1))).isZero();
      }
    }
  }

  @Test void aBadDefaultIsAnErrorNamingTheField() throws Exception {
    Path dir = withDualproc("{\"steps\": -1}");
    assertThatThrownBy(() -> FluxPipeline.open(dir, Placement.cpu(), 0, 0, 0)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("dualproc.steps").hasMessageContaining("positive integer");
    Files.writeString(dir.resolve("model_index.json"), Files.readString(dir.resolve("model_index.json")).replace("\"steps\":-1", "\"guidance_scale\":0.5"));
    assertThatThrownBy(() -> FluxPipeline.open(dir, Placement.cpu(), 0, 0, 0)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("dualproc.guidance_scale");
  }
}
