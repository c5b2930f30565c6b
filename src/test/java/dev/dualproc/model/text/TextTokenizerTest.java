package dev.dualproc.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ids of the tiny tokenizers against ids written by hand from their vocabularies. */
class TextTokenizerTest {
  @TempDir static Path dir;
  static TextTokenizer t5, clip;
  static JsonNode clipVocab;

  @BeforeAll static void write() throws IOException {
    TinyTextModels.writeT5(dir.resolve("t5"), 1);
    TinyTextModels.writeClip(dir.resolve("clip"), 1);
    t5 = TextTokenizer.load(dir.resolve("t5/tokenizer.json"));
    clip = TextTokenizer.load(dir.resolve("clip/tokenizer.json"));
    clipVocab = new ObjectMapper().readTree(Files.readString(dir.resolve("clip/vocab.json")));
  }

  // T5 pieces: 0 <pad>, 1 </s>, 2 <unk>, 3 "▁", then "▁" + TinyVocabulary.WORDS[i] at 4 + i (a 0, of 2, photo 27)

  @Test void t5AppendsEosAndPadsWithPad() {
    assertThat(t5.encode("a photo", 8, false)).containsExactly(4, 31, 1);
    assertThat(t5.encode("a photo", 8, true)).containsExactly(4, 31, 1, 0, 0, 0, 0, 0);
    assertThat(t5.encode("a photo of a", 16, false)).containsExactly(4, 31, 6, 4, 1);
    assertThat(t5.attentionMask("a photo", 5, true)).containsExactly(1, 1, 1, 0, 0);
    assertThat(t5.padId()).isZero();
    assertThat(t5.tokenId("</s>")).isEqualTo(1);
    assertThat(t5.specialTokensAdded()).isEqualTo(1);
  }

  @Test void t5UnknownWordsFallBackToCharacters() {
    // "zq" is no word: "▁" (3) then the single characters z, q (pieces after the words and the six suffixes)
    int chars = 4 + TinyVocabulary.WORDS.size() + 6;
    assertThat(t5.encode("zq", 8, false)).containsExactly(3, chars + 25, chars + 16, 1);
  }

  @Test void t5TruncationKeepsEos() {
    var e = t5.encodeWithMask("a photo of a photo of a photo", 4, true);
    assertThat(e.ids()).containsExactly(4, 31, 6, 1);
    assertThat(e.truncated()).isTrue();
    assertThat(t5.decode(t5.encode("a photo of the sky", 16, true))).isEqualTo("a photo of the sky");
  }

  @Test void clipWrapsInBosEosAndPadsWithEos() {
    long bos = 2 * 256 + TinyTextModels.CLIP_MERGES, eos = bos + 1; // bytes, bytes + "</w>", one per merge, then the two
    assertThat(clip.tokenId("<|startoftext|>")).isEqualTo(bos);
    assertThat(clip.tokenId("<|endoftext|>")).isEqualTo(eos);
    // byte-level alphabet: '!' is character 0 and 'a' character 64, so "!</w>" = 256 and "a</w>" = 320 (as in real CLIP)
    assertThat(clip.encode("a!", 77, false)).containsExactly(bos, 320, 256, eos);
    assertThat(clip.encode("  A   ! ", 77, false)).as("lower-cased, whitespace collapsed").containsExactly(bos, 320, 256, eos);
    long photo = clipVocab.get("photo</w>").asLong(), of = clipVocab.get("of</w>").asLong(), cat = clipVocab.get("cat</w>").asLong();
    assertThat(clip.encode("a photo of a cat", 8, true)).containsExactly(bos, 320, photo, of, 320, cat, eos, eos);
    assertThat(clip.attentionMask("a photo of a cat", 8, true)).containsExactly(1, 1, 1, 1, 1, 1, 1, 0);
    assertThat(clip.specialTokensAdded()).isEqualTo(2);
  }

  @Test void clipTruncationKeepsBosAndEos() {
    long bos = clip.tokenId("<|startoftext|>"), eos = clip.tokenId("<|endoftext|>");
    long photo = clipVocab.get("photo</w>").asLong();
    var e = clip.encodeWithMask("a photo of a cat on a hill", 4, true);
    assertThat(e.ids()).containsExactly(bos, 320, photo, eos);
    assertThat(e.truncated()).isTrue();
    assertThat(clip.decode(clip.encode("a photo of a cat", 77, true))).isEqualTo("a photo of a cat");
  }

  @Test void clipFolderWithOnlyVocabAndMergesGivesTheSameIds() throws IOException {
    Path slow = dir.resolve("clip-slow");
    Files.createDirectories(slow);
    for (String f : new String[] {"vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json"})
      Files.copy(dir.resolve("clip").resolve(f), slow.resolve(f));
    try (TextTokenizer converted = TextTokenizer.load(slow)) {
      String text = "A colorful painting of mountains, and 3 red birds!";
      assertThat(converted.encode(text, 77, true)).containsExactly(clip.encode(text, 77, true));
    }
  }

  @Test void tooSmallMaxLengthAndUnknownIdsAreErrors() {
    assertThatThrownBy(() -> clip.encode("a", 1, true)).isInstanceOf(DualprocException.class).hasMessageContaining("adds 2 special tokens");
    assertThatThrownBy(() -> t5.decode(new long[] {4, 100000})).isInstanceOf(DualprocException.class).hasMessageContaining("100000");
    assertThatThrownBy(() -> TextTokenizer.load(dir.resolve("nothing-here"))).isInstanceOf(DualprocException.class)
        .hasMessageContaining("nothing-here");
  }
}
