package dev.dualproc.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FLUX's tokenizer/ folder has only vocab.json + merges.txt: the tokenizer.json is built in Java (ClipBpeConverter).
 * fixtures/text/clip_bpe holds a small CLIP-style vocabulary (BPE with "</w>", trained with the tokenizers library)
 * and the ids transformers 5.17's CLIPTokenizer gives for a few texts, padded to 32 and truncated to 8.
 */
class ClipTokenizerParityTest {
  @TempDir Path dir;

  @Test void convertedVocabAndMergesGiveTransformersIds() throws IOException {
    for (String f : new String[] {"vocab.json", "merges.txt"})
      try (InputStream in = resource(f)) { Files.copy(in, dir.resolve(f)); }
    JsonNode expected = new ObjectMapper().readTree(resource("clip_ids.json"));
    ObjectMapper m = new ObjectMapper();
    try (TextTokenizer t = TextTokenizer.load(dir)) {
      for (int i = 0; i < expected.get("texts").size(); i++) {
        String text = expected.get("texts").get(i).asText();
        assertThat(t.encode(text, 32, true)).as("'%s' (transformers' tokens %s)", text, expected.get("tokens").get(i))
            .containsExactly(m.convertValue(expected.get("ids").get(i), long[].class));
        assertThat(t.encode(text, 8, true)).as("'%s' truncated to 8", text)
            .containsExactly(m.convertValue(expected.get("trunc8").get(i), long[].class));
      }
    }
  }

  private static InputStream resource(String name) {
    InputStream in = ClipTokenizerParityTest.class.getResourceAsStream("/fixtures/text/clip_bpe/" + name);
    if (in == null) throw new AssertionError("missing test resource fixtures/text/clip_bpe/" + name);
    return in;
  }
}
