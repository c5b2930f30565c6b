package dev.dualproc.model.vlm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.SafeTensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken snapshot folders fail with a DualprocException naming the file and what was expected; the JVM survives. */
class IdeficsLoadErrorsTest {
  @TempDir Path dir;
  static final ObjectMapper JSON = new ObjectMapper();

  Path model(VlmFamily f) {
    Path p = dir.resolve(f.modelType);
    TinyIdefics.write(f, p, 1);
    return p;
  }

  static void editJson(Path file, Consumer<ObjectNode> edit) throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(file.toFile());
    edit.accept(n);
    Files.writeString(file, JSON.writeValueAsString(n));
  }

  static void editWeights(Path folder, Consumer<Map<String, Tensor>> edit) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    try (SafeTensorsFile f = SafeTensorsFile.open(folder.resolve("model.safetensors"))) {
      for (String n : f.names()) m.put(n, f.load(n));
    }
    edit.accept(m);
    SafeTensorsWriter.write(folder.resolve("model.safetensors"), m, Map.of("format", "pt"));
  }

  static void assertFails(Path folder, String... fragments) {
    assertThatThrownBy(() -> IdeficsCritic.load(folder, Placement.cpu())).isInstanceOf(DualprocException.class)
        .satisfies(e -> { for (String s : fragments) assertThat(e.getMessage()).contains(s); });
  }

  @Test void unsupportedModelType() throws Exception {
    Path p = model(VlmFamily.IDEFICS2);
    editJson(p.resolve("config.json"), n -> n.put("model_type", "llava"));
    assertFails(p, "config.json", "model_type 'llava'");
  }

  @Test void missingTextConfig() throws Exception {
    Path p = model(VlmFamily.IDEFICS3);
    editJson(p.resolve("config.json"), n -> n.remove("text_config"));
    assertFails(p, "config.json", "text_config");
  }

  @Test void wrongFieldType() throws Exception {
    Path p = model(VlmFamily.IDEFICS3);
    editJson(p.resolve("config.json"), n -> ((ObjectNode) n.get("vision_config")).put("patch_size", "four"));
    assertFails(p, "config.json", "vision_config", "patch_size", "integer");
  }

  @Test void misShapedTensorNamesTheKeyAndBothShapes() {
    Path p = model(VlmFamily.IDEFICS2);
    editWeights(p, m -> m.put("model.connector.perceiver_resampler.latents", Rng.normal(1, 63, 32)));
    assertFails(p, "model.connector.perceiver_resampler.latents", "[63, 32]", "[64, 32]");
  }

  @Test void missingTensorIsNamed() {
    Path p = model(VlmFamily.IDEFICS3);
    editWeights(p, m -> m.remove("model.text_model.layers.1.mlp.down_proj.weight"));
    assertFails(p, "missing tensor 'model.text_model.layers.1.mlp.down_proj.weight'");
  }

  @Test void extraTensorsAreReportedAsUnmatched() {
    Path p = model(VlmFamily.IDEFICS3);
    editWeights(p, m -> m.put("model.vision_model.head.probe", Rng.normal(1, 1, 1, 32)));
    try (IdeficsCritic c = IdeficsCritic.load(p, Placement.cpu())) {
      assertThat(c.model.report.unmatched()).containsExactly("model.vision_model.head.probe");
      assertThat(c.model.report.summary()).contains("unmatched: model.vision_model.head.probe");
    }
  }

  @Test void baseModelKeysWithoutTheModelPrefixLoad() {
    Path p = model(VlmFamily.IDEFICS3);
    editWeights(p, m -> {
      Map<String, Tensor> renamed = new LinkedHashMap<>();
      m.forEach((k, v) -> renamed.put(k.startsWith("model.") ? k.substring(6) : k, v));
      m.clear();
      m.putAll(renamed);
    });
    try (IdeficsCritic c = IdeficsCritic.load(p, Placement.cpu())) {
      assertThat(c.model.report.unmatched()).isEmpty();
      assertThat(c.model.report.matched()).contains("text_model.embed_tokens.weight");
    }
  }

  @Test void aBfloat16CheckpointLoadsIntoFloat32AndBfloat16() {
    Path p = model(VlmFamily.IDEFICS2);
    editWeights(p, m -> m.replaceAll((k, v) -> v.to(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16)));
    try (IdeficsCritic f32 = IdeficsCritic.load(p, Placement.cpu()); IdeficsCritic bf16 = IdeficsCritic.load(p, Placement.cpuBf16());
         var g = new org.bytedeco.pytorch.NoGradGuard()) {
      assertThat(f32.model.dtype()).isEqualTo(org.bytedeco.pytorch.global.torch.ScalarType.Float);
      Tensor image = Rng.normal(2, 1, 3, 32, 32);
      double a = dev.dualproc.engine.Tensors.item(f32.answerLoss(image, f32.prepare("Is the sky blue?", "Yes")));
      double b = dev.dualproc.engine.Tensors.item(bf16.answerLoss(image, bf16.prepare("Is the sky blue?", "Yes")));
      assertThat(a).isFinite();
      assertThat(b).isCloseTo(a, org.assertj.core.data.Percentage.withPercentage(10));
    }
  }

  @Test void tokenizerWithAMergeOfUnknownTokensIsRejectedBeforeTheNativeLibrarySeesIt() throws Exception {
    Path p = model(VlmFamily.IDEFICS2);
    editJson(p.resolve("tokenizer.json"), n -> ((com.fasterxml.jackson.databind.node.ArrayNode) n.get("model").get("merges"))
        .insertArray(0).add("zz").add("qq"));
    assertFails(p, "tokenizer.json", "merges[0]");
  }

  @Test void tokenizerWithoutTheImageTokenIsRejected() throws Exception {
    Path p = model(VlmFamily.IDEFICS3);
    editJson(p.resolve("tokenizer.json"), n -> {
      var added = (com.fasterxml.jackson.databind.node.ArrayNode) n.get("added_tokens");
      for (int i = 0; i < added.size(); i++) if (added.get(i).get("content").asText().equals("<global-img>")) { added.remove(i); break; }
    });
    assertFails(p, "tokenizer.json", "<global-img>");
  }

  @Test void imageTokenIdDisagreeingWithTheTokenizer() throws Exception {
    Path p = model(VlmFamily.IDEFICS2);
    editJson(p.resolve("config.json"), n -> n.put("image_token_id", 5));
    assertFails(p, "image_token_id 5", "<image>");
  }

  @Test void processorImageSeqLenDisagreeingWithTheModel() throws Exception {
    Path p = model(VlmFamily.IDEFICS3);
    editJson(p.resolve("processor_config.json"), n -> n.put("image_seq_len", 169));
    assertFails(p, "processor_config.json", "image_seq_len 169", "16");
  }

  @Test void missingPreprocessorConfig() throws Exception {
    Path p = model(VlmFamily.IDEFICS2);
    Files.delete(p.resolve("preprocessor_config.json"));
    assertFails(p, "preprocessor_config.json", "missing");
  }

  @Test void notJson() throws Exception {
    Path p = model(VlmFamily.IDEFICS2);
    Files.writeString(p.resolve("config.json"), "{\"model_type\": ");
    assertFails(p, "config.json", "not valid JSON");
  }

  @Test void noWeights() throws Exception {
    Path p = model(VlmFamily.IDEFICS2);
    Files.delete(p.resolve("model.safetensors"));
    assertFails(p, "expected one *.safetensors");
  }
}
