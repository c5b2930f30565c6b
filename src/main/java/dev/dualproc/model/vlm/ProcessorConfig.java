package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the HF processor contributes (preprocessor_config.json, processor_config.json): the normalisation, the resize
 * rule of the image processor with image splitting off, and the image token count per image.
 *
 * @param explicitHeight a {"height", "width"} size or crop size (0 when none): the reference resizes there
 * @param shortestEdge Idefics2ImageProcessor's size.shortest_edge (0 when absent)
 * @param longestEdge Idefics2ImageProcessor's size.longest_edge (0 when absent)
 * @param maxImageSize Idefics3ImageProcessor's max_image_size.longest_edge: without splitting, images become this square
 */
public record ProcessorConfig(double[] imageMean, double[] imageStd, int explicitHeight, int explicitWidth,
    int shortestEdge, int longestEdge, int maxImageSize, int imageSeqLen) {

  public boolean hasExplicitSize() { return explicitHeight > 0 && explicitWidth > 0; }

  /** {height, width} the image processor gives an image of this size with do_image_splitting off. */
  public long[] inputSize(VlmFamily family, long height, long width) {
    if (hasExplicitSize()) return new long[] {explicitHeight, explicitWidth};
    if (family == VlmFamily.IDEFICS3) return new long[] {maxImageSize, maxImageSize};
    if (longestEdge <= 0) return new long[] {height, width};
    // Idefics2ImageProcessor: cap the longest edge (keeping the aspect, int() truncation), then floor both at shortest_edge
    double aspect = (double) width / height;
    long h = height, w = width;
    if (w >= h && w > longestEdge) { w = longestEdge; h = (long) (w / aspect); }
    else if (h > w && h > longestEdge) { h = longestEdge; w = (long) (h * aspect); }
    return new long[] {Math.max(h, shortestEdge), Math.max(w, shortestEdge)};
  }

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
    JsonConfig edges = pre.child("size");
    int shortest = edges.has("shortest_edge") ? edges.positive("shortest_edge", null) : 0;
    int longest = edges.has("longest_edge") ? edges.positive("longest_edge", null) : 0;
    if (shortest > 0 && longest > 0 && shortest > longest)
      throw new DualprocException(pre.where + ": size.shortest_edge " + shortest + " is larger than size.longest_edge " + longest);
    int maxImage = pre.child("max_image_size").positive("longest_edge", model.vision().imageSize());
    if (pre.has("do_image_splitting") && pre.bool("do_image_splitting", null))
      org.slf4j.LoggerFactory.getLogger(ProcessorConfig.class).info("{}: do_image_splitting is on; dualproc always feeds one unsplit image, as the reference does", pre.where);
    int seqLen = model.imageSeqLen();
    Path proc = folder.resolve("processor_config.json");
    if (Files.isRegularFile(proc)) {
      JsonConfig p = JsonConfig.read(proc);
      int declared = p.integer("image_seq_len", seqLen);
      if (declared != seqLen)
        throw new DualprocException(p.where + ": image_seq_len " + declared + " does not match the model, which makes " + seqLen + " image tokens per image");
    }
    return new ProcessorConfig(mean, std, h, w, shortest, longest, maxImage, seqLen);
  }
}
