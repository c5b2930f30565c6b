package dev.dualproc.world.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import dev.dualproc.eval.KindCrop;
import dev.dualproc.eval.KindNet;
import dev.dualproc.eval.KindSamples;
import dev.dualproc.world.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KindNetTrainerTest {
  /** The plain-Java network the verifiers run is the function the trainer optimises in libtorch. */
  @Test void javaForwardMatchesLibtorch() {
    Generator g = Rng.generator(3);
    Map<String, Tensor> p = new LinkedHashMap<>();
    Map<String, float[]> w = new LinkedHashMap<>();
    KindNet.LAYOUT.forEach((k, shape) -> {
      Tensor t = Rng.normal(g, shape).mul(new org.bytedeco.pytorch.Scalar(0.2));
      p.put(k, t);
      w.put(k, Tensors.floats(t));
    });
    KindNet net = new KindNet(w);
    int b = 5, len = KindCrop.CHANNELS * KindCrop.SIDE * KindCrop.SIDE;
    float[] x = Tensors.floats(Rng.normal(g, b, KindCrop.CHANNELS, KindCrop.SIDE, KindCrop.SIDE));
    float[] expected = Tensors.floats(KindNetTrainer.forward(p, Tensors.fromFloats(x, b, KindCrop.CHANNELS, KindCrop.SIDE, KindCrop.SIDE)).contiguous());
    for (int i = 0; i < b; i++) {
      float[] got = net.logits(java.util.Arrays.copyOfRange(x, i * len, (i + 1) * len));
      for (int c = 0; c < KindNet.CLASSES; c++) assertThat((double) got[c]).isCloseTo(expected[i * KindNet.CLASSES + c], org.assertj.core.data.Offset.offset(1e-4));
    }
  }

  @Test void aTensorOfTheWrongShapeIsNamed() {
    Map<String, float[]> w = new LinkedHashMap<>();
    KindNet.LAYOUT.forEach((k, shape) -> w.put(k, new float[(int) java.util.Arrays.stream(shape).reduce(1, (a, c) -> a * c)]));
    w.put("fc1.bias", new float[3]);
    assertThatThrownBy(() -> new KindNet(w)).isInstanceOf(DualprocException.class).hasMessageContaining("fc1.bias").hasMessageContaining("64");
  }

  @Test void aMissingFileSaysHowToTrainIt(@TempDir Path dir) {
    assertThatThrownBy(() -> KindNet.load(dir.resolve("kind-net.safetensors")))
        .isInstanceOf(DualprocException.class).hasMessageContaining("world train verifier");
  }

  /** Same seed, same network; the written file loads back to the same function. */
  @Test void trainingIsSeededAndTheFileRoundTrips(@TempDir Path dir) throws Exception {
    KindNetTrainer.Settings s = new KindNetTrainer.Settings(40, 10, 1, 16, 3e-3, 1e-4);
    KindNetTrainer.Result a = KindNetTrainer.train(s, 5, m -> {}), b = KindNetTrainer.train(s, 5, m -> {});
    for (String k : KindNet.names()) assertThat(b.weights().get(k)).as(k).containsExactly(a.weights().get(k));
    KindNetTrainer.write(dir, a, s, 5, "test");
    assertThat(Files.readString(dir.resolve("MODEL_CARD.md"))).contains("| clean |");
    KindNet loaded = KindNet.load(dir.resolve("kind-net.safetensors"));
    List<KindSamples.Sample> samples = new ArrayList<>();
    KindNetTrainer.scene(KindNetTrainer.VALIDATION_SEEDS, true, samples);
    for (KindSamples.Sample x : samples) assertThat(loaded.logits(x.crop())).containsExactly(new KindNet(a.weights()).logits(x.crop()));
  }

  /** The committed network names the kinds of held-out rendered scenes' regions, crisp and degraded. */
  @Test void theBuiltinNetworkReadsHeldOutScenes() {
    List<KindSamples.Sample> clean = new ArrayList<>(), degraded = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      KindNetTrainer.scene(KindNetTrainer.VALIDATION_SEEDS + 100_000 + i, false, clean);
      KindNetTrainer.scene(KindNetTrainer.VALIDATION_SEEDS + 100_000 + i, true, degraded);
    }
    double[] c = KindNetTrainer.accuracy(KindNet.builtin(), clean), d = KindNetTrainer.accuracy(KindNet.builtin(), degraded);
    assertThat(c[KindNet.CLASSES]).as("clean crops").isGreaterThanOrEqualTo(0.95);
    assertThat(d[KindNet.CLASSES]).as("degraded crops").isGreaterThanOrEqualTo(0.9);
    assertThat(clean.stream().mapToInt(KindSamples.Sample::label).distinct().count()).isEqualTo(Kind.values().length + 1);
  }
}
