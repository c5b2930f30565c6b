package dev.dualproc.model.vlm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.AdamW;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same classes train (the built-in VLM is an Idefics3-family model): every checkpoint tensor can take gradients,
 * and the trained weights saved under their checkpoint keys reload to the same loss.
 */
class IdeficsTrainingTest {
  @TempDir Path dir;

  @Test void weightsTrainAndSaveInTheCheckpointLayout() throws Exception {
    TinyIdefics.Spec spec = new TinyIdefics.Spec(16, 32, 1, 2, 16, 4, 16, 32, 1, 2, 1, 8, 0, 0, 0, 0, 2, true);
    Path model = dir.resolve("small");
    TinyIdefics.write(VlmFamily.IDEFICS3, spec, model, 5);
    Tensor image = Rng.normal(9, 1, 3, 16, 16).tanh();
    double before, after;
    try (IdeficsCritic c = IdeficsCritic.load(model, Placement.cpu())) {
      assertThat(c.processor.imageSeqLen()).isEqualTo(4);
      Map<String, Tensor> params = c.model.tensors();
      assertThat(params.keySet()).containsExactlyInAnyOrderElementsOf(TinyIdefics.shapes(VlmFamily.IDEFICS3, spec, c.model.config.text().vocabSize()).keySet());
      for (Tensor p : params.values()) p.requires_grad_(true);
      var q = c.prepare("Is the sky blue?", "Yes");
      AdamW opt = new AdamW(List.copyOf(params.values()), AdamW.Options.lr(1e-2));
      try (NoGradGuard g = new NoGradGuard()) { before = Tensors.item(c.answerLoss(image, q)); }
      for (int step = 0; step < 5; step++) {
        opt.zeroGrad();
        c.answerLoss(image, q).backward();
        if (step == 0)
          for (var e : params.entrySet()) assertThat(e.getValue().grad().defined()).as("gradient of %s", e.getKey()).isTrue();
        opt.step();
      }
      try (NoGradGuard g = new NoGradGuard()) { after = Tensors.item(c.answerLoss(image, q)); }
      System.out.printf("p(Yes) before %.4f, after 5 AdamW steps %.4f%n", Math.exp(-before), Math.exp(-after));
      assertThat(after).isLessThan(before);
      // save: the json files as they are, the weights under their checkpoint keys
      Path saved = dir.resolve("saved");
      Files.createDirectories(saved);
      for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json", "processor_config.json"))
        Files.copy(model.resolve(f), saved.resolve(f));
      SafeTensorsWriter.write(saved.resolve("model.safetensors"), params, Map.of("format", "pt"));
    }
    try (IdeficsCritic c = IdeficsCritic.load(dir.resolve("saved"), Placement.cpu()); NoGradGuard g = new NoGradGuard()) {
      assertThat(c.model.report.unmatched()).isEmpty();
      assertThat(Tensors.item(c.answerLoss(image, c.prepare("Is the sky blue?", "Yes")))).isEqualTo(after);
    }
  }
}
