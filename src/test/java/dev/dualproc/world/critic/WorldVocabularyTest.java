package dev.dualproc.world.critic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.model.vlm.PromptFormat;
import dev.dualproc.model.vlm.VlmFamily;
import dev.dualproc.model.vlm.VlmTokenizer;
import dev.dualproc.tasks.Presets;
import dev.dualproc.world.VqaGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The world tokenizer loads in the HF tokenizers library and has a token for every word the critic is asked. */
class WorldVocabularyTest {
  @TempDir Path dir;

  @Test void everyVqaAndPresetWordIsAToken() throws Exception {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, WorldVocabulary.tokenizerJson().toString());
    List<String> questions = new ArrayList<>();
    // streams the vocabulary scan did not read, including the held-out ones
    for (long stream : List.of(VqaBatches.EVAL_STREAM, 5L))
      for (var it : VqaGenerator.items(stream, 0, 450, 64)) questions.add(it.question());
    for (String p : Presets.names()) {
      questions.addAll(Presets.questions(p, Map.of("closer", "A")));
      questions.addAll(Presets.questions(p, Map.of("closer", "B")));
    }
    try (VlmTokenizer t = VlmTokenizer.open(file)) {
      long unk = t.requireId(WorldVocabulary.UNK);
      PromptFormat f = PromptFormat.of(VlmFamily.IDEFICS3, 16, true);
      for (String q : questions) {
        String text = f.expand(f.prefix(PromptFormat.withPostfix(q, PromptFormat.YES_NO_POSTFIX))) + "Yes";
        long[] ids = t.encode(text);
        assertThat(ids).as("'%s' -> %s", q, String.join(" ", t.tokens(text))).doesNotContain(unk);
        // word level: one token per pre-token, 16 image tokens and the 5 other specials
        assertThat(ids.length).as(q).isEqualTo(WorldVocabulary.words(text.replaceAll("<[^>]+>", " ")).size() + 16 + 5);
      }
      long image = t.requireId(PromptFormat.IMAGE);
      long[] ids = t.encode(f.expand(f.prefix("Is there a red car in the image?")));
      assertThat(java.util.Arrays.stream(ids).filter(i -> i == image).count()).isEqualTo(16);
      assertThat(t.decode(new long[] {t.requireId("Yes")})).isEqualTo("Yes");
      for (String s : WorldVocabulary.SPECIALS) assertThat(t.isSpecial(t.requireId(s))).as(s).isTrue();
    }
  }
}
