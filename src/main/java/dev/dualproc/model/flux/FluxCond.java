package dev.dualproc.model.flux;

import dev.dualproc.distill.Conditioning;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A prompt's conditioning for the transformer: T5 features {@code txt} [B, T, context_in_dim], their ids
 * {@code txt_ids} [B, T, 3], and the pooled CLIP vector {@code vec} [B, vec_in_dim] (the model's {@code y}).
 */
public record FluxCond(Tensor txt, Tensor txt_ids, Tensor vec) {
  public static FluxCond of(Tensor txt, Tensor vec) { return new FluxCond(txt, LatentPacking.txtIds(txt.size(0), txt.size(1)), vec); }

  /** As the teaching loop's Conditioning (tensors named txt, txt_ids, vec). */
  public Conditioning toConditioning(String prompt) { return new Conditioning(prompt, Map.of("txt", txt, "txt_ids", txt_ids, "vec", vec)); }

  public static FluxCond from(Conditioning c) { return new FluxCond(c.get("txt"), c.get("txt_ids"), c.get("vec")); }
}
