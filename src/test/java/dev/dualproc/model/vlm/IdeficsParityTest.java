package dev.dualproc.model.vlm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dualproc.engine.Fixtures;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * `dualproc parity` on fixtures: fixtures written here, which must pass
 * and must fail once one tensor is perturbed (so the checker can tell).
 */
class IdeficsParityTest {
  @TempDir Path dir;
  static final String QUESTION = "Is the sky blue? Answer with Yes or No.", ANSWER = "No, it is red";

  /** A fixture folder in the script's format, with outputs from this implementation, {@code logitsBump} added to the logits. */
  Path selfFixture(VlmFamily f, double logitsBump) throws Exception {
    Path model = dir.resolve("model-" + f.modelType), fixture = dir.resolve("fixture-" + f.modelType + "-" + logitsBump);
    if (!Files.isDirectory(model)) TinyIdefics.write(f, model, 11);
    Files.createDirectories(fixture);
    Files.copy(model.resolve("model.safetensors"), fixture.resolve("model.safetensors"));
    Map<String, String> meta = new LinkedHashMap<>(Map.of("question", QUESTION, "answer", ANSWER));
    for (String n : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json", "processor_config.json"))
      meta.put("file:" + n, Files.readString(model.resolve(n)));
    Map<String, Tensor> io = new LinkedHashMap<>();
    try (IdeficsCritic c = IdeficsCritic.load(model, Placement.cpu()); NoGradGuard g = new NoGradGuard()) {
      c.postfix("");
      AnswerTokens t = (AnswerTokens) c.prepare(QUESTION, ANSWER).tokens();
      Tensor image = Rng.normal(3, 1, 3, 20, 24).mul(Tensors.scalar(0.5)).tanh();
      Tensor pixels = c.pixelValues(image);
      io.put("input_ids", Tensors.fromLongs(t.inputIds(), t.inputIds().length));
      io.put("target_positions", Tensors.fromLongs(Arrays.stream(t.targetPositions()).asLongStream().toArray(), t.targetPositions().length));
      io.put("generation_ids", Tensors.fromLongs(t.generationIds(), t.generationIds().length));
      io.put("image", image);
      io.put("pixel_values", pixels);
      io.put("image_features", c.model.imageFeatures(pixels));
      Tensor logits = c.model.logits(t.inputIds(), pixels);
      io.put("logits", Tensors.add(logits.reshape(-1, logits.size(2)), logitsBump));
      try (var grad = new org.bytedeco.pytorch.AutoGradMode(true)) {
        Tensor img = image.clone().requires_grad_(true);
        Tensor loss = c.answerLoss(img, c.prepare(QUESTION, ANSWER));
        loss.backward();
        io.put("loss", loss.detach().reshape(1));
        io.put("image_grad", img.grad());
      }
      long[] greedy = GreedyDecoder.decode(c.model, t.generationIds(), c.model.imageFeatures(pixels), 8, id -> false, false);
      io.put("greedy_ids", greedy.length == 0 ? Tensors.fromLongs(new long[] {-1}, 1) : Tensors.fromLongs(greedy, greedy.length));
    }
    SafeTensorsWriter.write(fixture.resolve("io.safetensors"), io, meta);
    return fixture;
  }

  @ParameterizedTest @EnumSource(VlmFamily.class)
  void aFixtureOfThisImplementationPassesAndAPerturbedOneFails(VlmFamily f) throws Exception {
    List<IdeficsParity.Check> good = IdeficsParity.run(f, selfFixture(f, 0));
    good.forEach(c -> System.out.println(f + " self: " + c));
    assertThat(good).allSatisfy(c -> assertThat(c.passed()).as(c.toString()).isTrue());
    assertThat(good).extracting(IdeficsParity.Check::name).contains("input_ids", "logits", "loss", "image_grad", "greedy_ids");
    List<IdeficsParity.Check> bad = IdeficsParity.run(f, selfFixture(f, 0.05));
    assertThat(bad).filteredOn(c -> !c.passed()).extracting(IdeficsParity.Check::name).containsExactly("logits");
  }
}
