package dev.dualproc.model.vlm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;

/** The critic on tiny random Idefics2 and Idefics3 models: loading, the loss and its image gradient, greedy decoding. */
class IdeficsCriticTest {
  @TempDir static Path dir;

  @BeforeAll static void writeModels() {
    for (VlmFamily f : VlmFamily.values()) TinyIdefics.write(f, dir.resolve(f.modelType), 7);
  }

  static IdeficsCritic load(VlmFamily f, ScalarType dtype) { return IdeficsCritic.load(dir.resolve(f.modelType), new Placement("cpu", dtype)); }

  /** A smooth-ish random image in about [-1, 1], not square, so that the resize is exercised. */
  static Tensor image(ScalarType dtype) { return Rng.normal(3, 1, 3, 20, 24).mul(Tensors.scalar(0.5)).tanh().to(dtype); }

  @ParameterizedTest @EnumSource(VlmFamily.class)
  void everyCheckpointTensorIsUsedAndTheLayoutIsTheRealOne(VlmFamily f) {
    try (IdeficsCritic c = load(f, ScalarType.Float)) {
      int vocab = c.model.config.text().vocabSize();
      assertThat(c.model.report.unmatched()).as(c.model.report.summary()).isEmpty();
      assertThat(c.model.report.matched()).containsExactlyInAnyOrderElementsOf(TinyIdefics.shapes(f, vocab).keySet());
      assertThat(c.model.tiedEmbeddings()).isEqualTo(f == VlmFamily.IDEFICS3);
      assertThat(c.processor.imageSeqLen()).isEqualTo(f == VlmFamily.IDEFICS2 ? 64 : 16);
    }
  }

  @ParameterizedTest @EnumSource(VlmFamily.class)
  void lossIsTheShiftedCrossEntropyOverTheAnswerTokensOnly(VlmFamily f) {
    try (IdeficsCritic c = load(f, ScalarType.Double); NoGradGuard g = new NoGradGuard()) {
      PreparedQuestion q = c.prepare("Is the sky blue?", "No, it is red");
      AnswerTokens t = (AnswerTokens) q.tokens();
      Tensor pixels = c.pixelValues(image(ScalarType.Double));
      // the reference: labels -100 except at the answer positions, logits[:, :-1] against labels[:, 1:]
      Tensor logits = c.model.logits(t.inputIds(), pixels).reshape(t.inputIds().length, -1);
      long[] labels = new long[t.inputIds().length];
      java.util.Arrays.fill(labels, -100);
      for (int p : t.targetPositions()) labels[p] = t.inputIds()[p];
      Tensor shiftedLabels = Tensors.fromLongs(labels, labels.length).narrow(0, 1, labels.length - 1);
      Tensor expected = cross_entropy_loss(logits.narrow(0, 0, labels.length - 1), shiftedLabels, new TensorOptional(), 1, -100, 0.0);
      double actual = Tensors.item(c.answerLoss(image(ScalarType.Double), q));
      System.out.printf("%s loss %.12f, reference formulation %.12f%n", f, actual, Tensors.item(expected));
      assertThat(actual).isCloseTo(Tensors.item(expected), org.assertj.core.data.Offset.offset(1e-10));
      assertThat(c.answer(image(ScalarType.Double), q).p()).isCloseTo(Math.exp(-actual), org.assertj.core.data.Offset.offset(1e-9));
    }
  }

  @ParameterizedTest @EnumSource(VlmFamily.class)
  void meanLossOverPairsIsTheMeanOfTheLosses(VlmFamily f) {
    try (IdeficsCritic c = load(f, ScalarType.Double); NoGradGuard g = new NoGradGuard()) {
      List<PreparedQuestion> qs = List.of(c.prepare("Is the sky blue?", "Yes"), c.prepare("Is the line thick?", "No"));
      Tensor img = image(ScalarType.Double);
      double mean = (Tensors.item(c.answerLoss(img, qs.get(0))) + Tensors.item(c.answerLoss(img, qs.get(1)))) / 2;
      assertThat(Tensors.item(c.meanAnswerLoss(img, qs))).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-12));
    }
  }

  @ParameterizedTest @EnumSource(VlmFamily.class)
  void imageGradientIsFiniteAndNonZeroInFloat32(VlmFamily f) {
    try (IdeficsCritic c = load(f, ScalarType.Float)) {
      Tensor img = image(ScalarType.Float).requires_grad_(true);
      Tensor loss = c.answerLoss(img, c.prepare("Is the sky blue?", "Yes"));
      loss.backward();
      float[] g = Tensors.floats(img.grad());
      double norm = 0;
      for (float v : g) { assertThat(Float.isFinite(v)).isTrue(); norm += v * v; }
      System.out.printf("%s fp32 loss %.6f, |d loss / d image| = %.3e%n", f, Tensors.item(loss), Math.sqrt(norm));
      assertThat(Math.sqrt(norm)).isGreaterThan(1e-8);
    }
  }

  /** Central differences in float64 against autograd, at the pixels of largest gradient and at the image's max and min. */
  @ParameterizedTest @EnumSource(VlmFamily.class)
  void imageGradientMatchesFiniteDifferences(VlmFamily f) {
    try (IdeficsCritic c = load(f, ScalarType.Double)) {
      PreparedQuestion q = c.prepare("Is the sky blue?", "No, it is red");
      Tensor img = image(ScalarType.Double).requires_grad_(true);
      c.answerLoss(img, q).backward();
      Tensor grad = img.grad().reshape(-1);
      double[] gv = doubles(grad), iv = doubles(img.reshape(-1));
      List<Integer> pixels = new ArrayList<>(IntStream.range(0, gv.length).boxed()
          .sorted(Comparator.comparingDouble(i -> -Math.abs(gv[i]))).limit(4).toList());
      pixels.add(argBy(iv, 1)); // the max: the gradient also flows through the min-max normalisation
      pixels.add(argBy(iv, -1));
      double eps = 1e-5;
      for (int i : pixels) {
        double fd = (lossAt(c, q, img, i, eps) - lossAt(c, q, img, i, -eps)) / (2 * eps);
        double rel = Math.abs(fd - gv[i]) / Math.max(Math.abs(gv[i]), 1e-12);
        System.out.printf("%s pixel %d: autograd %.9e, finite difference %.9e, relative error %.2e%n", f, i, gv[i], fd, rel);
        assertThat(rel).as("pixel %d: autograd %s vs finite difference %s", i, gv[i], fd).isLessThan(1e-2);
      }
    }
  }

  static double lossAt(IdeficsCritic c, PreparedQuestion q, Tensor img, int index, double delta) {
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor x = img.detach().clone();
      x.reshape(-1).narrow(0, index, 1).add_(Tensors.scalar(delta));
      return Tensors.item(c.answerLoss(x, q));
    }
  }

  static double[] doubles(Tensor t) {
    Tensor d = t.detach().to(ScalarType.Double).contiguous();
    double[] out = new double[(int) d.numel()];
    new org.bytedeco.javacpp.DoublePointer(d.data_ptr()).get(out);
    return out;
  }

  static int argBy(double[] v, int sign) {
    int best = 0;
    for (int i = 1; i < v.length; i++) if (sign * v[i] > sign * v[best]) best = i;
    return best;
  }

  @ParameterizedTest @EnumSource(VlmFamily.class)
  void greedyDecodingWithTheKvCacheEqualsDecodingWithout(VlmFamily f) {
    try (IdeficsCritic c = load(f, ScalarType.Float); NoGradGuard g = new NoGradGuard()) {
      AnswerTokens t = (AnswerTokens) c.prepare("Is the sky blue?", "Yes").tokens();
      Tensor feats = c.model.imageFeatures(c.pixelValues(image(ScalarType.Float)));
      long[] cached = GreedyDecoder.decode(c.model, t.generationIds(), feats, 8, id -> false, true);
      long[] plain = GreedyDecoder.decode(c.model, t.generationIds(), feats, 8, id -> false, false);
      System.out.println(f + " greedy tokens with cache " + java.util.Arrays.toString(cached) + ", without " + java.util.Arrays.toString(plain));
      assertThat(cached).containsExactly(plain);
      assertThat(cached.length).as("decoded tokens (an <image> token stops both paths)").isGreaterThan(0);
      // and the logits agree step by step: prompt pass, then one token at a time
      KvCache cache = new KvCache();
      Tensor first = GreedyDecoder.lastLogits(c.model, c.model.hiddenStatesFromFeatures(t.generationIds(), feats, cache));
      Tensor full = GreedyDecoder.lastLogits(c.model, c.model.hiddenStatesFromFeatures(t.generationIds(), feats, null));
      assertThat(Tensors.maxAbsDiff(first, full)).isLessThan(1e-5);
      long[] seq = t.generationIds();
      for (long next : cached) {
        Tensor step = GreedyDecoder.lastLogits(c.model, c.model.hiddenStatesFromFeatures(new long[] {next}, null, cache));
        seq = GreedyDecoder.concat(seq, new long[] {next});
        Tensor ref = GreedyDecoder.lastLogits(c.model, c.model.hiddenStatesFromFeatures(seq, feats, null));
        assertThat(Tensors.maxAbsDiff(step, ref)).as("step logits, cache vs full recompute").isLessThan(1e-4);
      }
      assertThat(cache.length()).isEqualTo(t.generationIds().length + cached.length);
    }
  }

  @org.junit.jupiter.api.Test
  void acceptsIdeficsFoldersOnly() throws Exception {
    assertThat(IdeficsCritic.accepts(dir.resolve("idefics2").toString())).isTrue();
    assertThat(IdeficsCritic.accepts(dir.resolve("idefics3").toString())).isTrue();
    Path llava = dir.resolve("llava");
    java.nio.file.Files.createDirectories(llava);
    java.nio.file.Files.writeString(llava.resolve("config.json"), "{\"model_type\": \"llava\"}");
    assertThat(IdeficsCritic.accepts(llava.toString())).isFalse();
    assertThat(IdeficsCritic.accepts("world")).isFalse();
    assertThat(IdeficsCritic.accepts(dir.resolve("missing").toString())).isFalse();
    try (IdeficsCritic c = IdeficsCritic.open(dir.resolve("idefics3").toString(), Placement.cpu())) {
      assertThat(c.identity()).endsWith("idefics3");
    }
  }

  @org.junit.jupiter.api.Test
  void aShardedCheckpointWithItsIndexGivesTheSameLoss() throws Exception {
    Path single = dir.resolve("idefics2"), sharded = dir.resolve("idefics2-sharded");
    java.nio.file.Files.createDirectories(sharded);
    try (var files = java.nio.file.Files.list(single)) {
      for (Path p : files.toList()) if (!p.getFileName().toString().endsWith(".safetensors")) java.nio.file.Files.copy(p, sharded.resolve(p.getFileName()));
    }
    var weightMap = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    java.util.Map<String, Tensor> a = new java.util.LinkedHashMap<>(), b = new java.util.LinkedHashMap<>();
    try (var f = dev.dualproc.engine.SafeTensorsFile.open(single.resolve("model.safetensors"))) {
      for (String n : f.names()) {
        boolean first = n.startsWith("model.vision_model");
        (first ? a : b).put(n, f.load(n));
        weightMap.put(n, first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
      }
    }
    dev.dualproc.engine.SafeTensorsWriter.write(sharded.resolve("model-00001-of-00002.safetensors"), a, java.util.Map.of("format", "pt"));
    dev.dualproc.engine.SafeTensorsWriter.write(sharded.resolve("model-00002-of-00002.safetensors"), b, java.util.Map.of("format", "pt"));
    var index = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    index.putObject("metadata").put("total_size", 0);
    index.set("weight_map", weightMap);
    java.nio.file.Files.writeString(sharded.resolve("model.safetensors.index.json"), index.toString());
    try (IdeficsCritic one = load(VlmFamily.IDEFICS2, ScalarType.Float);
         IdeficsCritic two = IdeficsCritic.load(sharded, Placement.cpu()); NoGradGuard g = new NoGradGuard()) {
      assertThat(two.model.report.unmatched()).isEmpty();
      double l1 = Tensors.item(one.answerLoss(image(ScalarType.Float), one.prepare("Is the sky blue?", "Yes")));
      double l2 = Tensors.item(two.answerLoss(image(ScalarType.Float), two.prepare("Is the sky blue?", "Yes")));
      assertThat(l2).isEqualTo(l1);
    }
  }

  @ParameterizedTest @EnumSource(VlmFamily.class)
  void bfloat16LoadsAndGivesAFiniteLossNearFloat32(VlmFamily f) {
    double f32, bf16;
    try (IdeficsCritic c = load(f, ScalarType.Float); NoGradGuard g = new NoGradGuard()) {
      f32 = Tensors.item(c.answerLoss(image(ScalarType.Float), c.prepare("Is the sky blue?", "Yes")));
    }
    try (IdeficsCritic c = load(f, ScalarType.BFloat16); NoGradGuard g = new NoGradGuard()) {
      assertThat(c.model.dtype()).isEqualTo(ScalarType.BFloat16);
      bf16 = Tensors.item(c.answerLoss(image(ScalarType.Float), c.prepare("Is the sky blue?", "Yes")));
    }
    System.out.printf("%s loss fp32 %.5f, bf16 %.5f%n", f, f32, bf16);
    assertThat(bf16).isFinite().isCloseTo(f32, org.assertj.core.data.Percentage.withPercentage(10));
  }
}
