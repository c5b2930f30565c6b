package dev.dualproc.distill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.cli.Main;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.flux.FluxPipeline;
import dev.dualproc.model.flux.TinyFlux;
import dev.dualproc.model.vlm.TinyIdefics;
import dev.dualproc.model.vlm.VlmFamily;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `dualproc teach` through the real model classes: a tiny random FLUX pipeline taught through a tiny random Idefics3. */
class TeachTinyRealModelsTest {
  @TempDir Path tmp;

  @Test void theLossFallsAndTheWrittenLoraReproducesTheOnSample() throws Exception {
    Path flux = tmp.resolve("flux"), vlm = tmp.resolve("idefics3"), runs = tmp.resolve("runs");
    TinyFlux.write(flux, 1);
    TinyIdefics.write(VlmFamily.IDEFICS3, vlm, 2);
    // one training noise and a large lr: on random models the loss must then fall within a few steps
    int code = Main.commandLine().execute("teach", "--generator", flux.toString(), "--vlm", vlm.toString(), "--preset", "horizon",
        "--value", "0.3", "--prompt", "a house and a tree", "--steps", "12", "--lr", "1e-2", "--train-n", "1", "--eval-seeds", "0",
        "--runs", runs.toString());
    assertThat(code).isZero();
    Path run;
    try (var dirs = Files.list(runs)) { run = dirs.findFirst().orElseThrow(); }

    List<Double> loss = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) loss.add(new ObjectMapper().readTree(line).get("loss").asDouble());
    assertThat(loss).hasSize(12);
    double first = (loss.get(0) + loss.get(1) + loss.get(2)) / 3, last = (loss.get(9) + loss.get(10) + loss.get(11)) / 3;
    assertThat(last).as("mean loss of the last 3 steps vs the first 3: %s", loss).isLessThan(first - 0.5);

    JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
    assertThat(results.get("steps").asInt()).isEqualTo(12);
    assertThat(results.get("eval")).hasSize(2);

    try (FluxPipeline p = FluxPipeline.open(flux, Placement.cpu(), 0, 0, 0)) {
      p.loadLora(run.resolve("lora.safetensors"), 1.0);
      BufferedImage again = Images.toImage(p.generate(p.encode("a house and a tree"), 0));
      Path onSample;
      try (var files = Files.list(run.resolve("samples"))) {
        onSample = files.filter(f -> f.getFileName().toString().endsWith("-seed0-on.png")).findFirst().orElseThrow();
      }
      BufferedImage saved = Images.read(onSample);
      for (int y = 0; y < saved.getHeight(); y++)
        for (int x = 0; x < saved.getWidth(); x++)
          assertThat(again.getRGB(x, y)).as("pixel %d,%d of %s", x, y, onSample.getFileName()).isEqualTo(saved.getRGB(x, y));
    }
  }
}
