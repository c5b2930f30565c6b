package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the HF processor contributes (preprocessor_config.json, processor_config.json): the normalisation, the
 * processor's explicit height/width if any, and the image token count per image.
 */
public record ProcessorConfig(double[] imageMean, double[] imageStd, int explicitHeight, int explicitWidth, int imageSeqLen) {

  /** A processor with an explicit {"height", "width"} size or crop size resizes there; 0 when it has none. */
  public boolean hasExplicitSize() { return explicitHeight > 0 && explicitWidth > 0; }

  public static ProcessorConfig read(Path folder, IdeficsConfig model) {
    JsonConfig pre = JsonConfig.read(folder.resolve("preprocessor_config.json"));
    double[] mean = pre.numbers("image_mean", new double[] {0.5, 0.5, 0.5});
    double[] std = pre.numbers("image_std", new double[] {0.5, 0.5, 0.5});
    if (mean.length == 1) mean = new double[] {mean[0], mean[0], mean[0]};
    if (std.length == 1) std = new double[] {std[0], std[0], std[0]};
    if (mean.length != 3 || std.length != 3)
      throw new DualprocException(pre.where + ": image_mean and image_std must have 3 values (RGB)");
    for (double s : std) if (!(s > 0)) throw new DualprocException(pre.where + ": image_std must be positive, got " + s);
    // the reference resizes to crop_size or size when either names both height and width
    JsonConfig size = pre.has("crop_size") && pre.child("crop_size").has("height") ? pre.child("crop_size") : pre.child("size");
    int h = size.has("height") && size.has("width") ? size.positive("height", null) : 0;
    int w = h > 0 ? size.positive("width", null) : 0;
    int seqLen = model.imageSeqLen();
    Path proc = folder.resolve("processor_config.json");
    if (Files.isRegularFile(proc)) {
      JsonConfig p = JsonConfig.read(proc);
      int declared = p.integer("image_seq_len", seqLen);
      if (declared != seqLen)
        throw new DualprocException(p.where + ": image_seq_len " + declared + " does not match the model, which makes " + seqLen + " image tokens per image");
    }
    return new ProcessorConfig(mean, std, h, w, seqLen);
  }
}
