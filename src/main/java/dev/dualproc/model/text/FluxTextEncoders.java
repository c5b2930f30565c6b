package dev.dualproc.model.text;

import dev.dualproc.engine.Placement;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * FLUX's two frozen text encoders as BFL's HFEmbedder (flux/modules/conditioner.py) and diffusers' FluxPipeline use
 * them: the prompt is truncated and padded to max_length and run without an attention mask; T5 gives
 * last_hidden_state (FLUX's txt), CLIP gives pooler_output (FLUX's vec). Close it once the prompts are encoded.
 */
public final class FluxTextEncoders implements AutoCloseable {
  public static final int CLIP_MAX_LENGTH = 77;
  public static final int T5_MAX_LENGTH_SCHNELL = 256, T5_MAX_LENGTH_DEV = 512;

  /** txt [1, t5MaxLength, d_model] and vec [1, hidden_size]. */
  public record Embeddings(Tensor txt, Tensor vec) {}

  private TextTokenizer clipTokenizer, t5Tokenizer;
  private ClipTextModel clip;
  private T5Encoder t5;

  private FluxTextEncoders(TextTokenizer clipTokenizer, ClipTextModel clip, TextTokenizer t5Tokenizer, T5Encoder t5) {
    this.clipTokenizer = clipTokenizer; this.clip = clip; this.t5Tokenizer = t5Tokenizer; this.t5 = t5;
  }

  /** A diffusers FLUX folder: text_encoder/ + tokenizer/ (CLIP), text_encoder_2/ + tokenizer_2/ (T5). */
  public static FluxTextEncoders loadDiffusers(Path pipeline, Placement placement) {
    return load(pipeline.resolve("text_encoder"), pipeline.resolve("tokenizer"), pipeline.resolve("text_encoder_2"),
        pipeline.resolve("tokenizer_2"), placement);
  }

  public static FluxTextEncoders load(Path clipModel, Path clipTokenizer, Path t5Model, Path t5Tokenizer, Placement placement) {
    TextTokenizer ct = TextTokenizer.load(clipTokenizer);
    TextTokenizer tt = null;
    try {
      tt = TextTokenizer.load(t5Tokenizer);
      return new FluxTextEncoders(ct, ClipTextModel.load(clipModel, placement), tt, T5Encoder.load(t5Model, placement));
    } catch (RuntimeException e) {
      ct.close();
      if (tt != null) tt.close();
      throw e;
    }
  }

  public Embeddings encode(String prompt, int t5MaxLength) {
    if (t5 == null) throw new IllegalStateException("the FLUX text encoders were closed");
    try (NoGradGuard noGrad = new NoGradGuard()) {
      Tensor txt = t5.encode(t5Tokenizer.encode(prompt, t5MaxLength, true));
      // 77 as FLUX pads CLIP prompts, or fewer for a CLIP with fewer positions (the built-in world's has 24)
      int clipLength = Math.min(CLIP_MAX_LENGTH, clip.config.maxPositionEmbeddings());
      Tensor vec = clip.pooled(clipTokenizer.encode(prompt, clipLength, true));
      return new Embeddings(txt, vec);
    }
  }

  public T5Encoder t5() { return t5; }
  public ClipTextModel clip() { return clip; }
  public TextTokenizer t5Tokenizer() { return t5Tokenizer; }
  public TextTokenizer clipTokenizer() { return clipTokenizer; }

  /** Frees the tokenizers and drops the weights (their native memory goes with the last reference). */
  @Override public void close() {
    if (clipTokenizer != null) clipTokenizer.close();
    if (t5Tokenizer != null) t5Tokenizer.close();
    clipTokenizer = t5Tokenizer = null;
    clip = null;
    t5 = null;
  }
}
