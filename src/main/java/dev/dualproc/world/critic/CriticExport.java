package dev.dualproc.world.critic;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.vlm.IdeficsCritic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The trained critic as the folder that {@code world} opens: the HF snapshot in bf16 (at most {@link #MAX_BYTES}),
 * measured on the held-out stream after reloading exactly as teaching loads it, and its MODEL_CARD.md.
 */
public final class CriticExport {
  private CriticExport() {}

  /** The budget for all built-in weights is 40 MB; the critic takes at most 15. */
  public static final long MAX_BYTES = 15L * 1000 * 1000;

  public static HeldOutAccuracy export(CriticTrainer t, Path out, int evalItems, String reproduce) {
    return export(t, out, evalItems, reproduce, null, null);
  }

  /**
   * The same, and on the card how generated images were mixed in ({@code generatedData}, null: none) and the
   * agreement on generated images that {@code generated} measures on the reloaded critic (null: not measured).
   */
  public static HeldOutAccuracy export(CriticTrainer t, Path out, int evalItems, String reproduce, String generatedData,
                                       java.util.function.Function<IdeficsCritic, GeneratedAgreement> generated) {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("dualproc_steps", Long.toString(t.step()));
    meta.put("dualproc_seed", Long.toString(t.seed));
    meta.put("dualproc_config", t.config.name());
    CriticFiles.write(t.config, out, t.weights(), ScalarType.BFloat16, meta);
    long bytes = folderBytes(out);
    if (bytes > MAX_BYTES)
      throw new DualprocException(out + ": the exported critic takes " + bytes + " bytes, over the " + MAX_BYTES + " allowed; use a smaller --config");
    HeldOutAccuracy acc;
    GeneratedAgreement agreement = null;
    try (IdeficsCritic c = IdeficsCritic.load(out, Placement.cpu())) {
      acc = HeldOutAccuracy.measure(c, VqaBatches.EVAL_STREAM, evalItems, 64);
      if (generated != null) agreement = generated.apply(c);
    }
    ModelCard.write(out.resolve("MODEL_CARD.md"), t, acc, bytes, reproduce, generatedData, agreement);
    return acc;
  }

  static long folderBytes(Path dir) {
    try (var s = Files.list(dir)) {
      long total = 0;
      for (Path p : s.toList()) if (Files.isRegularFile(p)) total += Files.size(p);
      return total;
    } catch (IOException e) {
      throw new DualprocException(dir + ": cannot list (" + e.getMessage() + ")", e);
    }
  }
}
