package dev.dualproc.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import dev.dualproc.engine.Tensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs of transformers 5.17.0 (torch 2.11.0, CPU, fp32) for tiny T5EncoderModel and CLIPTextModel configs, from
 * src/test/resources/fixtures/text (see README.md there). The weights are not stored: they were drawn with
 * torch.randn from one seeded generator over named_parameters() in order, which engine.Rng reproduces bit for bit.
 */
class TransformersParityTest {
  static final double TOLERANCE = 1e-5;
  @TempDir static Path dir;
  static TensorSource io;

  @BeforeAll static void open() throws URISyntaxException {
    io = TensorSources.open(fixture("transformers-io.safetensors"));
  }

  @Test void t5EncoderMatchesTransformers() throws IOException {
    Path folder = rebuild("t5py", TransformersParityTest::t5Parameters);
    T5Encoder t5 = T5Encoder.load(folder, Placement.cpu());
    assertThat(t5.loadReport.unmatched()).isEmpty();
    long[] ids = Tensors.longs(io.load("t5_ids")), mask = Tensors.longs(io.load("t5_mask"));
    assertClose("t5 last_hidden_state, no mask (as FLUX)", t5.encode(ids), io.load("t5_last"));
    assertClose("t5 last_hidden_state, padding masked", t5.encode(ids, mask), io.load("t5_last_masked"));
  }

  @Test void clipWithLegacyEosMatchesTransformers() throws IOException {
    ClipTextModel clip = ClipTextModel.load(rebuild("clippy", TransformersParityTest::clipParameters), Placement.cpu());
    assertThat(clip.config.legacyEos()).isTrue();
    assertThat(clip.loadReport.unmatched()).isEmpty();
    long[] ids = Tensors.longs(io.load("clip_ids"));
    assertThat(clip.eosPosition(ids)).as("argmax of ids: the first 399").isEqualTo(5);
    assertClose("clip last_hidden_state", clip.lastHidden(ids), io.load("clip_last"));
    assertClose("clip pooler_output", clip.pooled(ids), io.load("clip_pooled"));
  }

  @Test void clipWithEosTokenIdMatchesTransformers() throws IOException {
    ClipTextModel clip = ClipTextModel.load(rebuild("clipeos", TransformersParityTest::clipParameters), Placement.cpu());
    long[] ids = Tensors.longs(io.load("clipeos_ids"));
    assertThat(clip.eosPosition(ids)).as("first 397").isEqualTo(3);
    assertClose("clip last_hidden_state", clip.lastHidden(ids), io.load("clipeos_last"));
    assertClose("clip pooler_output", clip.pooled(ids), io.load("clipeos_pooled"));
  }

  @Test void clipUnderTextModelPrefixLoadsTheSame() throws IOException {
    Path flat = rebuild("clippy", TransformersParityTest::clipParameters);
    Path nested = Files.createDirectories(dir.resolve("clippy-nested"));
    Files.copy(flat.resolve("config.json"), nested.resolve("config.json"));
    Map<String, Tensor> w = new LinkedHashMap<>();
    try (TensorSource src = TensorSources.open(flat)) {
      for (String n : src.names()) w.put("text_model." + n, src.load(n));
    }
    SafeTensorsWriter.write(nested.resolve("model.safetensors"), w, Map.of("format", "pt"));
    ClipTextModel clip = ClipTextModel.load(nested, Placement.cpu());
    assertThat(clip.loadReport.unmatched()).isEmpty();
    assertClose("clip pooler_output", clip.pooled(Tensors.longs(io.load("clip_ids"))), io.load("clip_pooled"));
  }

  // ---- the weights, drawn as the fixture script drew them

  interface Parameters { List<Map.Entry<String, long[]>> of(Path configJson); }

  /** The script: norm weights 1 + 0.2 randn, embeddings (and shared) 0.5 randn, everything else 0.15 randn. */
  static Path rebuild(String name, Parameters parameters) throws IOException {
    Path folder = Files.createDirectories(dir.resolve(name));
    Path config;
    try {
      config = fixture(name + "/config.json");
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Files.copy(config, folder.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Generator g = Rng.generator(5);
    Map<String, Tensor> w = new LinkedHashMap<>();
    for (var p : parameters.of(config)) {
      String n = p.getKey();
      Tensor r = Rng.normal(g, p.getValue());
      if (n.contains("norm") && n.endsWith("weight")) r = r.mul(Tensors.scalar(0.2)).add(Tensors.scalar(1));
      else if (n.contains("embedding") || n.equals("shared.weight")) r = r.mul(Tensors.scalar(0.5));
      else r = r.mul(Tensors.scalar(0.15));
      w.put(n, r);
    }
    SafeTensorsWriter.write(folder.resolve("model.safetensors"), w, Map.of("format", "pt"));
    return folder;
  }

  /** T5EncoderModel.named_parameters(): shared, then per block q, k, v, o, (bias), norm, wi_0, wi_1, wo, norm; final norm. */
  static List<Map.Entry<String, long[]>> t5Parameters(Path configJson) {
    T5Config c = T5Config.read(configJson);
    List<Map.Entry<String, long[]>> out = new ArrayList<>();
    long d = c.dModel(), inner = c.innerDim(), ff = c.dFf();
    out.add(Map.entry("shared.weight", new long[] {c.vocabSize(), d}));
    for (int i = 0; i < c.numLayers(); i++) {
      String b = "encoder.block." + i + ".layer.";
      for (String x : new String[] {"q", "k", "v"}) out.add(Map.entry(b + "0.SelfAttention." + x + ".weight", new long[] {inner, d}));
      out.add(Map.entry(b + "0.SelfAttention.o.weight", new long[] {d, inner}));
      if (i == 0) out.add(Map.entry(b + "0.SelfAttention.relative_attention_bias.weight", new long[] {c.relativeAttentionNumBuckets(), c.numHeads()}));
      out.add(Map.entry(b + "0.layer_norm.weight", new long[] {d}));
      out.add(Map.entry(b + "1.DenseReluDense.wi_0.weight", new long[] {ff, d}));
      out.add(Map.entry(b + "1.DenseReluDense.wi_1.weight", new long[] {ff, d}));
      out.add(Map.entry(b + "1.DenseReluDense.wo.weight", new long[] {d, ff}));
      out.add(Map.entry(b + "1.layer_norm.weight", new long[] {d}));
    }
    out.add(Map.entry("encoder.final_layer_norm.weight", new long[] {d}));
    return out;
  }

  /** CLIPTextModel.named_parameters() (transformers 5 names, no text_model. prefix); CLIPAttention registers k, v, q, out. */
  static List<Map.Entry<String, long[]>> clipParameters(Path configJson) {
    ClipTextConfig c = ClipTextConfig.read(configJson);
    List<Map.Entry<String, long[]>> out = new ArrayList<>();
    long h = c.hiddenSize(), ff = c.intermediateSize();
    out.add(Map.entry("embeddings.token_embedding.weight", new long[] {c.vocabSize(), h}));
    out.add(Map.entry("embeddings.position_embedding.weight", new long[] {c.maxPositionEmbeddings(), h}));
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      String l = "encoder.layers." + i + ".";
      for (String x : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
        out.add(Map.entry(l + "self_attn." + x + ".weight", new long[] {h, h}));
        out.add(Map.entry(l + "self_attn." + x + ".bias", new long[] {h}));
      }
      out.add(Map.entry(l + "layer_norm1.weight", new long[] {h}));
      out.add(Map.entry(l + "layer_norm1.bias", new long[] {h}));
      out.add(Map.entry(l + "mlp.fc1.weight", new long[] {ff, h}));
      out.add(Map.entry(l + "mlp.fc1.bias", new long[] {ff}));
      out.add(Map.entry(l + "mlp.fc2.weight", new long[] {h, ff}));
      out.add(Map.entry(l + "mlp.fc2.bias", new long[] {h}));
      out.add(Map.entry(l + "layer_norm2.weight", new long[] {h}));
      out.add(Map.entry(l + "layer_norm2.bias", new long[] {h}));
    }
    out.add(Map.entry("final_layer_norm.weight", new long[] {h}));
    out.add(Map.entry("final_layer_norm.bias", new long[] {h}));
    return out;
  }

  static void assertClose(String what, Tensor actual, Tensor expected) {
    assertThat(Tensors.shape(actual)).as(what + " shape").containsExactly(Tensors.shape(expected));
    double rel = Tensors.relativeError(actual, expected), abs = Tensors.maxAbsDiff(actual, expected);
    System.out.printf("%-45s max abs %.3g  rel %.3g%n", what, abs, rel);
    assertThat(rel).as(what + ": relative error (max abs %.3g)", abs).isLessThan(TOLERANCE);
  }

  static Path fixture(String name) throws URISyntaxException {
    var url = TransformersParityTest.class.getResource("/fixtures/text/" + name);
    if (url == null) throw new AssertionError("missing test resource fixtures/text/" + name);
    return Path.of(url.toURI());
  }
}
