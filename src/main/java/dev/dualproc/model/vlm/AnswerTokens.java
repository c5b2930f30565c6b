package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;
import java.util.ArrayList;
import java.util.List;

/**
 * A (question, answer) pair tokenized once, the reference way (dual_process create_vlm_prompt): tokenize the
 * expanded prefix and prefix + answer; the answer positions are the prefix positions whose token changed (a merge
 * at the boundary, e.g. ":" "▁" then ":" "▁Yes") plus every position after the prefix.
 *
 * @param inputIds prefix + answer, as the model reads them under teacher forcing
 * @param targetPositions positions whose tokens are scored (each predicted from the position before it)
 * @param generationIds the generation prompt ("...Assistant:") for greedy answers
 */
public record AnswerTokens(long[] inputIds, int[] targetPositions, long[] generationIds) {

  public static AnswerTokens of(VlmTokenizer tokenizer, PromptFormat format, String question, String answer) {
    if (answer == null || answer.isEmpty()) throw new DualprocException("the target answer is empty");
    String prefix = format.prefix(question);
    long[] prefixIds = tokenizer.encode(format.expand(prefix));
    long[] allIds = tokenizer.encode(format.expand(prefix + answer));
    int[] positions = answerPositions(prefixIds, allIds);
    if (positions.length == 0)
      throw new DualprocException("the answer '" + answer + "' adds no tokens after the prompt");
    if (positions[0] == 0) throw new DualprocException("the answer would start at position 0, with nothing to predict it from");
    return new AnswerTokens(allIds, positions, tokenizer.encode(format.expand(format.generationPrefix(question))));
  }

  /** Positions i where prefix[i] != all[i] (over the common length), then every i from the prefix length on. */
  public static int[] answerPositions(long[] prefixIds, long[] allIds) {
    List<Integer> out = new ArrayList<>();
    int common = Math.min(prefixIds.length, allIds.length);
    for (int i = 0; i < common; i++) if (prefixIds[i] != allIds[i]) out.add(i);
    for (int i = prefixIds.length; i < allIds.length; i++) out.add(i);
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  public long[] targetIds() {
    long[] t = new long[targetPositions.length];
    for (int i = 0; i < t.length; i++) t[i] = inputIds[targetPositions[i]];
    return t;
  }
}
