package dev.dualproc.world.train;

import dev.dualproc.model.text.TinyTextModels;
import dev.dualproc.world.Captions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The built-in generator's tokenizers: word-level over {@link Captions#VOCABULARY} (every caption word is one token;
 * other text falls back to characters), as real tokenizer.json files the HF tokenizers load: CLIP's byte-level BPE
 * with enough merges to make each word whole, and T5's Unigram with one piece per word.
 */
public final class GeneratorTokenizers {
  private GeneratorTokenizers() {}

  /** More merges than the vocabulary can use: training stops when every word is one token. */
  static final int CLIP_MERGES = 100_000;

  public record Written(int t5VocabSize, int clipVocabSize, long clipBos, long clipEos) {}

  /** Writes CLIP's tokenizer into {@code clipDir} and T5's into {@code t5Dir}; the same files every time. */
  public static Written write(Path clipDir, Path t5Dir, GeneratorConfig cfg) {
    try {
      Files.createDirectories(clipDir);
      Files.createDirectories(t5Dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Integer> clip = TinyTextModels.writeClipTokenizer(clipDir, Captions.VOCABULARY, CLIP_MERGES);
    int pieces = TinyTextModels.writeT5Tokenizer(t5Dir, Captions.VOCABULARY);
    int t5Vocab = (pieces + 7) / 8 * 8; // embedding rows in multiples of 8, as T5 checkpoints have
    return new Written(t5Vocab, clip.size(), clip.get("<|startoftext|>"), clip.get("<|endoftext|>"));
  }
}
