package dev.dualproc.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Tensors;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FluxTextEncodersTest {
  @TempDir Path dir;

  @Test void encodesAPromptAsFluxDoes() {
    TinyTextModels.writeT5(dir.resolve("text_encoder_2"), dir.resolve("tokenizer_2"), 4);
    TinyTextModels.writeClip(dir.resolve("text_encoder"), dir.resolve("tokenizer"), 4);
    String prompt = "a photo of a cat";
    FluxTextEncoders enc = FluxTextEncoders.loadDiffusers(dir, Placement.cpu());
    FluxTextEncoders.Embeddings e = enc.encode(prompt, FluxTextEncoders.T5_MAX_LENGTH_SCHNELL);
    assertThat(Tensors.shape(e.txt())).containsExactly(1, 256, TinyTextModels.D_MODEL);
    assertThat(Tensors.shape(e.vec())).containsExactly(1, TinyTextModels.D_MODEL);
    assertThat(e.txt().requires_grad()).isFalse();

    // the same as padding each prompt by hand: T5 ids, </s>, then <pad> (0) up to 256; CLIP bos ... eos, eos-padded to 77
    long[] t5ids = new long[256];
    long[] words = {4, 31, 6, 4, 152};
    System.arraycopy(words, 0, t5ids, 0, words.length);
    t5ids[words.length] = 1;
    assertThat(Tensors.maxAbsDiff(e.txt(), enc.t5().encode(t5ids))).isZero();
    long[] clipids = enc.clipTokenizer().encode(prompt, 77, true);
    assertThat(clipids).hasSize(77);
    assertThat(clipids[76]).isEqualTo(enc.clipTokenizer().tokenId("<|endoftext|>"));
    assertThat(Tensors.maxAbsDiff(e.vec(), enc.clip().pooled(clipids))).isZero();

    assertThat(Tensors.shape(enc.encode(prompt, FluxTextEncoders.T5_MAX_LENGTH_DEV).txt())).containsExactly(1, 512, TinyTextModels.D_MODEL);
    enc.close();
    assertThat(e.txt().defined()).as("embeddings outlive the encoders").isTrue();
    assertThatThrownBy(() -> enc.encode(prompt, 256)).isInstanceOf(IllegalStateException.class);
  }
}
