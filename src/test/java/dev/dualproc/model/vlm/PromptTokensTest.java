package dev.dualproc.model.vlm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token sequences the critic builds equal hand-written ones: the processors' image-token expansion, the
 * reference's template and postfix, and the answer positions (prefix vs prefix+answer, including the merge of the
 * template's trailing space into the answer's first token).
 */
class PromptTokensTest {
  @TempDir static Path dir;
  static VlmTokenizer idefics2, idefics3;

  @BeforeAll static void writeTokenizers() {
    TinyIdefics.write(VlmFamily.IDEFICS2, dir.resolve("i2"), 0);
    TinyIdefics.write(VlmFamily.IDEFICS3, dir.resolve("i3"), 0);
    idefics2 = VlmTokenizer.open(dir.resolve("i2/tokenizer.json"), dir.resolve("i2/tokenizer_config.json"));
    idefics3 = VlmTokenizer.open(dir.resolve("i3/tokenizer.json"), dir.resolve("i3/tokenizer_config.json"));
  }

  @AfterAll static void close() { idefics2.close(); idefics3.close(); }

  static final String QUESTION = PromptFormat.withPostfix("Is the sky blue?", PromptFormat.YES_NO_POSTFIX);

  static List<String> tokens(Object... parts) {
    List<String> out = new ArrayList<>();
    for (Object p : parts) {
      if (p instanceof List<?> l) l.forEach(x -> out.add((String) x));
      else out.add((String) p);
    }
    return out;
  }

  static List<String> images(int n) { return Collections.nCopies(n, "<image>"); }

  static long[] ids(VlmTokenizer t, List<String> tokens) {
    long[] out = new long[tokens.size()];
    for (int i = 0; i < out.length; i++) out[i] = t.requireId(tokens.get(i));
    return out;
  }

  static int[] range(int from, int to) { return java.util.stream.IntStream.range(from, to).toArray(); }

  @Test void postfixIsJoinedWithOneSpace() {
    assertThat(QUESTION).isEqualTo("Is the sky blue? Answer with Yes or No.");
    assertThat(PromptFormat.withPostfix("Q?", " Answer.")).isEqualTo("Q? Answer.");
    assertThat(PromptFormat.withPostfix("Q?", "")).isEqualTo("Q?");
  }

  @Test void idefics2PromptExpandsTheImageTo64TokensInsideFakeTokens() {
    PromptFormat f = PromptFormat.of(VlmFamily.IDEFICS2, 64);
    assertThat(f.prefix(QUESTION)).isEqualTo("User:<image>Is the sky blue? Answer with Yes or No.<end_of_utterance>\nAssistant: ");
    AnswerTokens t = AnswerTokens.of(idefics2, f, QUESTION, "Yes");
    // BOS from the post-processor; the SentencePiece normalizer prepends "▁" to every text segment between added tokens
    List<String> prefix = tokens("<s>", "▁User", ":", "<fake_token_around_image>", images(64), "<fake_token_around_image>",
        "▁Is", "▁the", "▁sky", "▁blue", "?", "▁Answer", "▁with", "▁Yes", "▁or", "▁No", ".", "<end_of_utterance>",
        "▁", "<0x0A>", "Assistant", ":");
    assertThat(t.inputIds()).containsExactly(ids(idefics2, tokens(prefix, "▁Yes")));
    // "Assistant: " ends in "▁"; with the answer that position becomes "▁Yes": the only answer position
    assertThat(t.targetPositions()).containsExactly(prefix.size());
    assertThat(t.targetIds()).containsExactly(idefics2.requireId("▁Yes"));
    assertThat(t.generationIds()).containsExactly(ids(idefics2, prefix));
  }

  @Test void idefics3PromptHasTheGlobalImageTokenAndImageSeqLenTokens() {
    PromptFormat f = PromptFormat.of(VlmFamily.IDEFICS3, 16);
    assertThat(f.prefix(QUESTION)).isEqualTo("<|im_start|>User:<image>Is the sky blue? Answer with Yes or No.<end_of_utterance>\nAssistant: ");
    AnswerTokens t = AnswerTokens.of(idefics3, f, QUESTION, "Yes");
    List<String> prefix = tokens("<|im_start|>", "User", ":", "<fake_token_around_image>", "<global-img>", images(16),
        "<fake_token_around_image>", "Is", "Ġthe", "Ġsky", "Ġblue", "?", "ĠAnswer", "Ġwith", "ĠYes", "Ġor", "ĠNo", ".",
        "<end_of_utterance>", "Ċ", "Assistant", ":");
    assertThat(t.inputIds()).containsExactly(ids(idefics3, tokens(prefix, "ĠYes")));
    assertThat(t.targetPositions()).containsExactly(prefix.size());
    assertThat(t.generationIds()).containsExactly(ids(idefics3, prefix));
  }

  @Test void multiTokenAnswersScoreTheMergedPositionAndEverythingAfter() {
    AnswerTokens t2 = AnswerTokens.of(idefics2, PromptFormat.of(VlmFamily.IDEFICS2, 64), QUESTION, "No, it is red");
    int p2 = t2.generationIds().length; // the position of "▁" in the prefix, which merged into "▁No"
    assertThat(t2.targetPositions()).containsExactly(range(p2, p2 + 5));
    assertThat(t2.targetIds()).containsExactly(ids(idefics2, List.of("▁No", ",", "▁it", "▁is", "▁red")));
    AnswerTokens t3 = AnswerTokens.of(idefics3, PromptFormat.of(VlmFamily.IDEFICS3, 16), QUESTION, "No, it is red");
    int p3 = t3.generationIds().length;
    assertThat(t3.targetPositions()).containsExactly(range(p3, p3 + 5));
    assertThat(t3.targetIds()).containsExactly(ids(idefics3, List.of("ĠNo", ",", "Ġit", "Ġis", "Ġred")));
  }

  @Test void answerPositionsAreChangedPrefixPositionsThenTheTail() {
    // no merge: the answer only appends
    assertThat(AnswerTokens.answerPositions(new long[] {1, 2, 3}, new long[] {1, 2, 3, 4, 5})).containsExactly(3, 4);
    // merge at the boundary: the last prefix token changed
    assertThat(AnswerTokens.answerPositions(new long[] {1, 2, 3}, new long[] {1, 2, 9, 4})).containsExactly(2, 3);
    // a merge that shortens the sequence: only changed positions
    assertThat(AnswerTokens.answerPositions(new long[] {1, 2, 3}, new long[] {1, 9})).containsExactly(1);
  }

  @Test void expansionMergesTheWrappersOfAdjacentIdefics2Images() {
    PromptFormat f = PromptFormat.of(VlmFamily.IDEFICS2, 2);
    assertThat(f.expand("a<image><image>b")).isEqualTo(
        "a<fake_token_around_image><image><image><fake_token_around_image><image><image><fake_token_around_image>b");
    PromptFormat f3 = PromptFormat.of(VlmFamily.IDEFICS3, 2);
    assertThat(f3.expand("a<image>b")).isEqualTo("a<fake_token_around_image><global-img><image><image><fake_token_around_image>b");
  }

  @Test void idefics3WithoutImStartInTheVocabularyStartsWithTheUserTurn() {
    assertThat(PromptFormat.of(VlmFamily.IDEFICS3, 16, false).prefix("Q?")).isEqualTo("User:<image>Q?<end_of_utterance>\nAssistant: ");
  }

  @Test void llamaTokenizersAddBosAndEosAsTheirConfigSays() throws Exception {
    Path folder = dir.resolve("i2-flags");
    TinyIdefics.write(VlmFamily.IDEFICS2, folder, 0);
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var cfg = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(folder.resolve("tokenizer_config.json").toFile());
    cfg.put("add_bos_token", false).put("add_eos_token", true);
    cfg.putObject("eos_token").put("content", "</s>").put("special", true); // the AddedToken form
    java.nio.file.Files.writeString(folder.resolve("tokenizer_config.json"), json.writeValueAsString(cfg));
    try (VlmTokenizer t = VlmTokenizer.open(folder.resolve("tokenizer.json"), folder.resolve("tokenizer_config.json"))) {
      assertThat(t.tokens("Is the sky blue?")).containsExactly("▁Is", "▁the", "▁sky", "▁blue", "?", "</s>");
    }
    // without the config, the file's post-processor decides (BOS only)
    try (VlmTokenizer t = VlmTokenizer.open(folder.resolve("tokenizer.json"))) {
      assertThat(t.tokens("Is the sky blue?")).containsExactly("<s>", "▁Is", "▁the", "▁sky", "▁blue", "?");
    }
  }

  @Test void anEmptyAnswerIsRejected() {
    assertThatThrownBy(() -> AnswerTokens.of(idefics2, PromptFormat.of(VlmFamily.IDEFICS2, 64), QUESTION, ""))
        .isInstanceOf(DualprocException.class).hasMessageContaining("empty");
  }
}
