package dev.dualproc.model.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every broken tokenizer.json is refused in Java with a message naming the file and the field. This runs in the test
 * JVM on purpose: several of these files make the native library panic, which aborts the process, so a check that
 * let one through would kill the test run rather than fail one test.
 */
class BrokenTokenizerJsonTest {
  @TempDir static Path dir;
  static Path t5Json, clipJson;

  @BeforeAll static void write() {
    TinyTextModels.writeT5(dir.resolve("t5"), 3);
    TinyTextModels.writeClip(dir.resolve("clip"), 3);
    t5Json = dir.resolve("t5/tokenizer.json");
    clipJson = dir.resolve("clip/tokenizer.json");
  }

  @TestFactory Stream<DynamicTest> eachBrokenFileIsRefusedNamingFileAndField() {
    List<BrokenTokenizers.Variant> variants = BrokenTokenizers.all(t5Json, clipJson);
    assertThat(variants).hasSizeGreaterThan(50);
    return variants.stream().map(v -> DynamicTest.dynamicTest(v.name(), () -> {
      Path file = dir.resolve("broken").resolve(v.name().replaceAll("[^A-Za-z0-9]+", "-")).resolve("tokenizer.json");
      Files.createDirectories(file.getParent());
      Files.writeString(file, v.text());
      assertThatThrownBy(() -> TextTokenizer.load(file).close())
          .isInstanceOf(DualprocException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining(v.field());
    }));
  }

  /** FLUX's tokenizer/ has only vocab.json + merges.txt (+ the two config files): their errors name file and line or field. */
  @Test void brokenSlowClipFilesAreRefusedNamingFileAndField() throws IOException {
    Path clip = clipJson.getParent();
    String vocab = Files.readString(clip.resolve("vocab.json")), merges = Files.readString(clip.resolve("merges.txt"));
    List<String> lines = merges.lines().toList();
    slowClip("vocab truncated", vocab.substring(0, vocab.length() / 2), merges, null, "vocab.json: not valid JSON");
    slowClip("vocab id a string", vocab.replace("\"a</w>\" : 320", "\"a</w>\" : \"320\""), merges, null, "vocab.json: model.vocab['a</w>']");
    slowClip("vocab without bos", vocab.replace("\"<|startoftext|>\"", "\"<|start|>\""), merges, null, "vocab.json: special token '<|startoftext|>'");
    slowClip("merge of three", vocab, merges.replace(lines.get(3), lines.get(3) + " x"), null, "merges.txt: line 4: expected two tokens");
    slowClip("merge of unknown tokens", vocab, merges.replace(lines.get(2), "q \u4e00"), null, "merges.txt: line 3: token '\u4e00'");
    slowClip("special_tokens_map eos a number", vocab, merges, "{\"eos_token\": 7}", "special_tokens_map.json: eos_token");
    slowClip("special_tokens_map truncated", vocab, merges, "{\"eos_token\": ", "special_tokens_map.json: not valid JSON");
  }

  private static void slowClip(String name, String vocab, String merges, String specialTokensMap, String expected) throws IOException {
    Path folder = Files.createDirectories(dir.resolve("slow").resolve(name.replace(' ', '-')));
    Files.writeString(folder.resolve("vocab.json"), vocab);
    Files.writeString(folder.resolve("merges.txt"), merges);
    if (specialTokensMap != null) Files.writeString(folder.resolve("special_tokens_map.json"), specialTokensMap);
    assertThatThrownBy(() -> TextTokenizer.load(folder).close()).as(name).isInstanceOf(DualprocException.class)
        .hasMessageContaining(folder.toString()).hasMessageContaining(expected);
  }

  @Test void theUnbrokenFilesLoad() {
    for (Path p : new Path[] {t5Json, clipJson})
      try (TextTokenizer t = TextTokenizer.load(p)) {
        assertThat(t.encode("a photo", 16, false)).isNotEmpty();
      }
  }

  /** The hand-built charsmap passes the check and the native library applies it: "A" is normalized to "a". */
  @Test void aSoundCharsmapIsAcceptedAndUsed() throws IOException {
    ObjectNode root = (ObjectNode) BrokenTokenizers.parse(BrokenTokenizers.read(t5Json));
    ((ArrayNode) root.get("normalizer").get("normalizers")).insertObject(0).put("type", "Precompiled")
        .put("precompiled_charsmap", Base64.getEncoder().encodeToString(Charsmaps.upperAToLowerA()));
    Path file = dir.resolve("charsmap/tokenizer.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, root.toString());
    try (TextTokenizer t = TextTokenizer.load(file); TextTokenizer plain = TextTokenizer.load(t5Json)) {
      assertThat(t.encode("A photo", 8, false)).containsExactly(4, 31, 1); // "▁a", "▁photo", "</s>"
      assertThat(plain.encode("A photo", 8, false)).isNotEqualTo(t.encode("A photo", 8, false));
    }
  }

  @Test void theFilesOwnTruncationAndPaddingAreNotApplied() throws IOException {
    ObjectNode root = (ObjectNode) BrokenTokenizers.parse(BrokenTokenizers.read(t5Json));
    root.putObject("truncation").put("direction", "Right").put("max_length", 3).put("strategy", "LongestFirst").put("stride", 0);
    root.putObject("padding").put("strategy", "BatchLongest").put("direction", "Left").put("pad_id", 0).put("pad_type_id", 0).put("pad_token", "<pad>");
    Path file = dir.resolve("settings/tokenizer.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, root.toString());
    try (TextTokenizer t = TextTokenizer.load(file)) {
      assertThat(t.encode("a photo of a", 16, false)).containsExactly(4, 31, 6, 4, 1);
      assertThat(t.encode("a photo", 5, true)).as("padded on the right, whatever the file says").containsExactly(4, 31, 1, 0, 0);
    }
  }
}
