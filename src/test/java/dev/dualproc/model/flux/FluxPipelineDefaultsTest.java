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

  @Test void aBadDefaultIsAnErrorNamingTheField() throws Exception {
    Path dir = withDualproc("{\"steps\": -1}");
    assertThatThrownBy(() -> FluxPipeline.open(dir, Placement.cpu(), 0, 0, 0)).isInstanceOf(DualprocException.class)
        .hasMessageContaining("dualproc.steps").hasMessageContaining("positive integer");
  }
}
