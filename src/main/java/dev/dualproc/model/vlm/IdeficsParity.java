package dev.dualproc.model.vlm;

import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.AtomicFiles;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.SafeTensorsFile;
import dev.dualproc.engine.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Checks the critic against tensors computed by HF transformers (src/test/resources/fixtures/vlm/make_fixtures.py): a fixture folder
 * holds model.safetensors (save_pretrained's weights) and io.safetensors (inputs, outputs, and in its metadata the
 * snapshot's json files as "file:NAME" plus "question" and "answer"). Every float comparison is max |a-b| / max |b|.
 */
public final class IdeficsParity {
  private IdeficsParity() {}

  public static final double TOLERANCE = 1e-4;

  /** One comparison: a relative error (float tensors) or an exact match (token ids, error 0 or 1). */
  public record Check(String name, double error, boolean exact, String detail) {
    public boolean passed() { return exact ? error == 0 : error <= TOLERANCE; }
  }

  public static List<Check> run(VlmFamily family, Path fixtureDir) {
    Path io = fixtureDir.resolve("io.safetensors");
    if (!Files.isRegularFile(io)) throw new DualprocException(io + ": missing (expected the fixture's inputs and outputs)");
    if (!Files.isRegularFile(fixtureDir.resolve("model.safetensors")))
      throw new DualprocException(fixtureDir.resolve("model.safetensors") + ": missing (expected the fixture model's weights)");
    List<Check> checks = new ArrayList<>();
    Path snapshot = null;
    try (SafeTensorsFile f = SafeTensorsFile.open(io); NoGradGuard g = new NoGradGuard()) {
      snapshot = assemble(f.metadata(), fixtureDir, io);
      String question = require(f.metadata(), "question", io), answer = require(f.metadata(), "answer", io);
      try (IdeficsCritic critic = IdeficsCritic.load(snapshot, Placement.cpu())) {
        if (critic.model.config.family() != family)
          throw new DualprocException(fixtureDir + ": the fixture is a " + critic.model.config.family().modelType + " model, not " + family.modelType);
        critic.postfix(""); // the fixture's question already carries the postfix
        PreparedQuestion q = critic.prepare(question, answer);
        AnswerTokens t = (AnswerTokens) q.tokens();
        checks.add(new Check("load: unmatched tensors", critic.model.report.unmatched().size(), true, critic.model.report.summary()));
        checks.add(ids("input_ids", t.inputIds(), Tensors.longs(f.load("input_ids"))));
        checks.add(ids("target_positions", Arrays.stream(t.targetPositions()).asLongStream().toArray(), Tensors.longs(f.load("target_positions"))));
        checks.add(ids("generation_ids", t.generationIds(), Tensors.longs(f.load("generation_ids"))));
        if (f.contains("processor_input_ids"))
          checks.add(ids("processor_input_ids (HF processor vs ours)", t.inputIds(), Tensors.longs(f.load("processor_input_ids"))));
        Tensor image = f.load("image"), pixels = f.load("pixel_values");
        checks.add(rel("pixel_values", critic.pixelValues(image), pixels));
        if (f.contains("image_features")) checks.add(rel("image_features", critic.model.imageFeatures(pixels), f.load("image_features")));
        Tensor logits = critic.model.logits(t.inputIds(), pixels);
        checks.add(rel("logits", logits.reshape(-1, logits.size(2)), f.load("logits")));
        try (var grad = new org.bytedeco.pytorch.AutoGradMode(true)) {
          Tensor img = image.clone().requires_grad_(true);
          Tensor loss = critic.answerLoss(img, q);
          checks.add(rel("loss", loss.detach().reshape(1), f.load("loss")));
          loss.backward();
          checks.add(rel("image_grad", img.grad(), f.load("image_grad")));
        }
        long[] expectedGreedy = Tensors.longs(f.load("greedy_ids"));
        if (expectedGreedy.length == 1 && expectedGreedy[0] == -1) expectedGreedy = new long[0];
        long[] greedy = GreedyDecoder.decode(critic.model, t.generationIds(), critic.model.imageFeatures(pixels),
            8, id -> false, false); // the fixture script decodes 8 tokens, stopping only at a generated <image>
        checks.add(ids("greedy_ids", greedy, expectedGreedy));
      }
    } finally {
      if (snapshot != null) deleteQuietly(snapshot);
    }
    return checks;
  }

  /** A temporary snapshot folder: the json files from the metadata, the weights linked (or copied) from the fixture. */
  static Path assemble(Map<String, String> metadata, Path fixtureDir, Path io) {
    try {
      Path dir = Files.createTempDirectory("dualproc-parity");
      for (var e : metadata.entrySet()) {
        if (!e.getKey().startsWith("file:")) continue;
        String name = e.getKey().substring(5);
        if (name.contains("/") || name.contains("\\") || name.startsWith("."))
          throw new DualprocException(io + ": metadata file name '" + name + "' is not a plain file name");
        AtomicFiles.writeString(dir.resolve(name), e.getValue());
      }
      if (!metadata.containsKey("file:config.json")) throw new DualprocException(io + ": metadata lacks file:config.json");
      Path weights = fixtureDir.resolve("model.safetensors").toAbsolutePath();
      try {
        Files.createSymbolicLink(dir.resolve("model.safetensors"), weights);
      } catch (IOException | UnsupportedOperationException e) {
        Files.copy(weights, dir.resolve("model.safetensors"));
      }
      return dir;
    } catch (IOException e) {
      throw new DualprocException("parity: cannot assemble a snapshot folder (" + e.getMessage() + ")", e);
    }
  }

  private static String require(Map<String, String> metadata, String key, Path io) {
    String v = metadata.get(key);
    if (v == null) throw new DualprocException(io + ": metadata lacks '" + key + "'");
    return v;
  }

  static Check rel(String name, Tensor actual, Tensor expected) {
    if (!Arrays.equals(Tensors.shape(actual), Tensors.shape(expected)))
      return new Check(name, Double.POSITIVE_INFINITY, false, "shape " + Tensors.shapeString(actual) + " vs " + Tensors.shapeString(expected));
    return new Check(name, Tensors.relativeError(actual, expected), false, "max abs diff " + String.format("%.3e", Tensors.maxAbsDiff(actual, expected)));
  }

  static Check ids(String name, long[] actual, long[] expected) {
    boolean same = Arrays.equals(actual, expected);
    String detail = same ? actual.length + " equal" : firstDifference(actual, expected);
    return new Check(name, same ? 0 : 1, true, detail);
  }

  private static String firstDifference(long[] a, long[] b) {
    int n = Math.min(a.length, b.length), i = 0;
    while (i < n && a[i] == b[i]) i++;
    return "lengths " + a.length + " vs " + b.length + "; first difference at " + i + ": "
        + (i < a.length ? a[i] : "end") + " vs " + (i < b.length ? b[i] : "end");
  }

  private static void deleteQuietly(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> { try { Files.deleteIfExists(p); } catch (IOException ignored) { } });
    } catch (IOException ignored) {
      // a temp folder left behind is harmless
    }
  }
}
