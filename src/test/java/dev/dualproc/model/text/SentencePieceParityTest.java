package dev.dualproc.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real SentencePiece normalizer: fixtures/text/nmt_nfkc holds the precompiled_charsmap of the nmt_nfkc rule (the one
 * in T5's spiece.model, 240,007 bytes) and a small unigram model trained with sentencepiece 0.2, with its own ids for a
 * few texts (NFKC cases: ligature, full-width letters, circled digit, no-break space, roman numeral, trade mark).
 * The tokenizer.json is laid out as transformers' T5 converter does; the Java check must accept the charsmap and the
 * native tokenizer must give sentencepiece's ids.
 */
class SentencePieceParityTest {
  @TempDir Path dir;

  @Test void nmtNfkcCharsmapIsAcceptedAndGivesSentencePiecesIds() throws IOException {
    JsonNode spm = new ObjectMapper().readTree(resource("spm.json"));
    byte[] charsmap;
    try (InputStream in = new GZIPInputStream(resource("precompiled_charsmap.bin.gz"))) {
      charsmap = in.readAllBytes();
    }
    assertThat(charsmap).hasSize(240_007);
    assertThat(PrecompiledCharsmap.problem(charsmap)).isNull();

    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode().put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int id = 0; id < 3; id++)
      added.addObject().put("id", id).put("content", spm.get("pieces").get(id).get(0).asText()).put("single_word", false)
          .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
    ArrayNode norms = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
    norms.addObject().put("type", "Precompiled").put("precompiled_charsmap", Base64.getEncoder().encodeToString(charsmap));
    ObjectNode collapse = norms.addObject().put("type", "Replace");
    collapse.putObject("pattern").put("Regex", " {2,}");
    collapse.put("content", " ");
    root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "always").put("split", true);
    ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
    post.putArray("single").addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ((ArrayNode) post.get("single")).addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode eos = post.putObject("special_tokens").putObject("</s>").put("id", "</s>");
    eos.putArray("ids").add(1);
    eos.putArray("tokens").add("</s>");
    root.putObject("decoder").put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "always").put("split", true);
    ObjectNode model = root.putObject("model").put("type", "Unigram").put("unk_id", 2).put("byte_fallback", false);
    ArrayNode vocab = model.putArray("vocab");
    for (JsonNode p : spm.get("pieces")) vocab.addArray().add(p.get(0).asText()).add(p.get(1).asDouble());
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, root.toString());
    Files.writeString(dir.resolve("special_tokens_map.json"), "{\"eos_token\": \"</s>\", \"pad_token\": \"<pad>\", \"unk_token\": \"<unk>\"}");

    try (TextTokenizer t = TextTokenizer.load(file)) {
      for (int i = 0; i < spm.get("texts").size(); i++) {
        String text = spm.get("texts").get(i).asText();
        long[] expected = new ObjectMapper().convertValue(spm.get("ids").get(i), long[].class);
        assertThat(t.encode(text, 64, false)).as("ids of '%s' (sentencepiece pieces %s)", text, spm.get("pieces_of").get(i)).containsExactly(expected);
      }
    }
  }

  private static InputStream resource(String name) {
    InputStream in = SentencePieceParityTest.class.getResourceAsStream("/fixtures/text/nmt_nfkc/" + name);
    if (in == null) throw new AssertionError("missing test resource fixtures/text/nmt_nfkc/" + name);
    return in;
  }
}
