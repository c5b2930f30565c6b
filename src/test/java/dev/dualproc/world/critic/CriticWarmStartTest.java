package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.vlm.TinyIdefics.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --init-from: a fresh state starts from an exported critic's weights, at its step, and trains on. */
class CriticWarmStartTest {
  static final String EMBED = "model.text_model.embed_tokens.weight";
  @TempDir Path dir;

  @Test void freshStateStartsFromTheExportedWeights() {
    Path exported = exportMicro(dir, 3);
    Map<String, float[]> want = floats(exported.resolve("model.safetensors"));
    try (CriticTrainer t = CriticTrainer.startFrom(dir.resolve("state"), exported, null, 5, Placement.cpu())) {
      assertThat(t.step()).isEqualTo(3);
      assertThat(t.warmStart()).isEqualTo(3);
      assertThat(t.config).isEqualTo(CriticConfig.micro());
      assertThat(t.weights().keySet()).containsExactlyInAnyOrderElementsOf(want.keySet());
      t.weights().forEach((k, w) -> assertThat(Tensors.floats(w)).as(k).containsExactly(want.get(k)));
      CriticTrainer.StepResult r = t.trainStep();
      assertThat(r.loss()).isFinite();
      assertThat(r.lr()).as("the learning rate warms up again").isEqualTo(CriticConfig.micro().lrAt(0));
      t.save();
    }
    try (CriticTrainer resumed = CriticTrainer.resume(dir.resolve("state"), null, Placement.cpu())) {
      assertThat(resumed.step()).isEqualTo(4);
      assertThat(resumed.warmStart()).isEqualTo(3);
    }
    assertThatThrownBy(() -> CriticTrainer.startFrom(dir.resolve("state"), exported, null, 5, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("fresh state");
  }

  /** A run's --state: its latest checkpoint's fp32 weights, its step and its own config (with its flags). */
  @Test void aRunsStateStartsFromItsLatestCheckpoint() {
    CriticConfig probed = CriticConfig.micro().withTasks(List.of("left-right", "left-right", "horizon"));
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("run"), probed, 3, Placement.cpu())) {
      t.trainStep();
      t.trainStep();
      t.save();
    }
    Map<String, float[]> want = floats(dir.resolve("run").resolve(CriticTrainer.checkpointName(2)).resolve("model").resolve("model.safetensors"));
    try (CriticTrainer t = CriticTrainer.startFrom(dir.resolve("fork"), dir.resolve("run"), null, 5, Placement.cpu())) {
      assertThat(t.step()).isEqualTo(2);
      assertThat(t.config).isEqualTo(probed);
      t.weights().forEach((k, w) -> assertThat(Tensors.floats(w)).as(k).containsExactly(want.get(k)));
      assertThat(t.trainStep().loss()).isFinite();
    }
    assertThatThrownBy(() -> CriticTrainer.startFrom(dir.resolve("fork2"), dir.resolve("nothing"), null, 5, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("no LATEST");
  }

  /** An exported critic whose tokenizer numbered the words otherwise: each word keeps its own embedding row. */
  @Test void tokenRowsFollowTheirWords() throws Exception {
    Path exported = exportMicro(dir, 2);
    Map<String, float[]> original = floats(exported.resolve("model.safetensors"));
    // renumber: specials stay, every other word's id reversed; rows moved with them
    ObjectMapper json = new ObjectMapper();
    ObjectNode tok = (ObjectNode) json.readTree(exported.resolve("tokenizer.json").toFile());
    ObjectNode vocab = (ObjectNode) tok.path("model").path("vocab");
    int specials = WorldVocabulary.SPECIALS.size(), rows = vocab.size();
    List<String> words = new ArrayList<>();
    vocab.properties().forEach(e -> words.add(e.getKey()));
    for (String w : words) {
      int id = vocab.get(w).asInt();
      if (id >= specials) vocab.put(w, specials + rows - 1 - id);
    }
    json.writeValue(exported.resolve("tokenizer.json").toFile(), tok);
    Map<String, String> meta;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    try (SafeTensorsFile f = SafeTensorsFile.open(exported.resolve("model.safetensors"))) {
      meta = f.metadata();
      for (String k : f.names()) tensors.put(k, f.load(k));
    }
    float[] e = original.get(EMBED), moved = e.clone();
    int h = e.length / rows;
    for (int id = specials; id < rows; id++) System.arraycopy(e, id * h, moved, (specials + rows - 1 - id) * h, h);
    tensors.put(EMBED, Tensors.fromFloats(moved, rows, h).to(ScalarType.BFloat16));
    SafeTensorsWriter.write(exported.resolve("model.safetensors"), tensors, meta);

    try (CriticTrainer t = CriticTrainer.startFrom(dir.resolve("state2"), exported, null, 5, Placement.cpu())) {
      assertThat(Tensors.floats(t.weights().get(EMBED))).containsExactly(e);
    }
  }

  /**
   * tiny4w to tiny1w: a critic without the pixel shuffle keeps every other weight, and its projection of one patch is the
   * sum of the old projection's per-patch blocks (a lone patch reads like a block of identical patches).
   */
  @Test void noShuffleKeepsEveryWeightAndSumsTheProjectionsBlocks() {
    Path exported = exportMicro(dir, 2);
    Map<String, float[]> old = floats(exported.resolve("model.safetensors"));
    CriticConfig m = CriticConfig.micro();
    Spec s = m.spec();
    Spec finer = new Spec(s.visionHidden(), s.visionFfn(), s.visionLayers(), s.visionHeads(), s.imageSize(), s.patchSize(),
        s.textHidden(), s.textFfn(), s.textLayers(), s.textHeads(), s.textKvHeads(), s.headDim(), 0, 0, 0, 0, 1, s.tied());
    CriticConfig wanted = new CriticConfig(m.name(), finer, m.batch(), m.lr(), m.warmup(), m.weightDecay(), m.gradClip(), m.noise(),
        m.stopWeight(), m.tasks(), m.captions(), m.captionWeight(), m.autocast(), m.probeWeight(), m.visionSteps(),
        m.horizonNearMiss(), m.horizonGrade(), m.lineWeightGrade(), m.leftRightSides(), m.probeColumns());
    String projection = CriticWarmStart.PROJECTION;
    try (CriticTrainer t = CriticTrainer.startFrom(dir.resolve("state"), exported, wanted, 5, Placement.cpu())) {
      assertThat(t.config.spec().scaleFactor()).isEqualTo(1);
      assertThat(Tensors.shape(t.weights().get(projection))).containsExactly(s.textHidden(), s.visionHidden());
      assertThat(old.get(projection)).hasSize(s.textHidden() * s.visionHidden() * 4);
      float[] was = old.get(projection), summed = new float[s.textHidden() * s.visionHidden()];
      for (int o = 0; o < s.textHidden(); o++)
        for (int block = 0; block < 4; block++)
          for (int d = 0; d < s.visionHidden(); d++) summed[o * s.visionHidden() + d] += was[(o * 4 + block) * s.visionHidden() + d];
      assertThat(Tensors.floats(t.weights().get(projection))).containsExactly(summed, org.assertj.core.data.Offset.offset(1e-6f));
      t.weights().forEach((k, w) -> {
        if (!k.equals(projection)) assertThat(Tensors.floats(w)).as(k).containsExactly(old.get(k));
      });
      assertThat(t.trainStep().loss()).isFinite();
    }
    // any other shape still refuses
    Spec wider = new Spec(s.visionHidden() * 2, s.visionFfn(), s.visionLayers(), s.visionHeads(), s.imageSize(), s.patchSize(),
        s.textHidden(), s.textFfn(), s.textLayers(), s.textHeads(), s.textKvHeads(), s.headDim(), 0, 0, 0, 0, 1, s.tied());
    CriticConfig bad = new CriticConfig(m.name(), wider, m.batch(), m.lr(), m.warmup(), m.weightDecay(), m.gradClip(), m.noise(),
        m.stopWeight(), m.tasks(), m.captions(), m.captionWeight(), m.autocast(), m.probeWeight(), m.visionSteps(),
        m.horizonNearMiss(), m.horizonGrade(), m.lineWeightGrade(), m.leftRightSides(), m.probeColumns());
    assertThatThrownBy(() -> CriticTrainer.startFrom(dir.resolve("state3"), exported, bad, 5, Placement.cpu()))
        .isInstanceOf(DualprocException.class).hasMessageContaining("has shape");
  }

  static Path exportMicro(Path dir, int steps) {
    Path out = dir.resolve("exported");
    try (CriticTrainer t = CriticTrainer.start(dir.resolve("first"), CriticConfig.micro(), 3, Placement.cpu())) {
      for (int i = 0; i < steps; i++) t.trainStep();
      CriticExport.export(t, out, 9, "test");
    }
    assertThat(Files.isRegularFile(out.resolve("model.safetensors"))).isTrue();
    return out;
  }

  static Map<String, float[]> floats(Path file) {
    Map<String, float[]> m = new LinkedHashMap<>();
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      for (String k : f.names()) m.put(k, Tensors.floats(f.load(k).to(ScalarType.Float)));
    }
    return m;
  }
}
