package dev.dualproc.model.vlm;

/**
 * How a question becomes the text the model reads, as the HF processors build it with image splitting off.
 * <ul>
 * <li>Idefics2: the reference's template (dual_process configs/vlm/idefics2.yaml) {@code User:<image>{q}<end_of_utterance>\nAssistant: },
 * and Idefics2Processor expands {@code <image>} to {@code <fake_token_around_image>} + {@code <image>} * 64 + {@code <fake_token_around_image>}.</li>
 * <li>Idefics3/SmolVLM: the chat template's user turn with the image first ({@code <|im_start|>User:} then, because the
 * first content item is an image, no space) and its generation prompt {@code Assistant:}; Idefics3Processor expands
 * {@code <image>} to {@code <fake_token_around_image><global-img>} + {@code <image>} * image_seq_len + {@code <fake_token_around_image>}.</li>
 * </ul>
 * Both templates end in "Assistant: " with the space, as the reference's Idefics2 prefix does: the answer's first
 * token then absorbs that space ("▁Yes", "ĠYes"), which is exactly how the model's own answers are tokenized after
 * "Assistant:", and the boundary merge is handled by the answer-position rule (AnswerTokens).
 */
public record PromptFormat(VlmFamily family, String template, String imageToken, String fakeImageToken,
    String globalImageToken, int imageSeqLen) {

  public static final String IMAGE = "<image>";
  public static final String FAKE_IMAGE = "<fake_token_around_image>";
  public static final String GLOBAL_IMAGE = "<global-img>";
  public static final String END_OF_UTTERANCE = "<end_of_utterance>";
  /** The reference's default question_postfix. */
  public static final String YES_NO_POSTFIX = "Answer with Yes or No.";

  /** SmolVLM's chat template opens with this token; Idefics3-8B-Llama3's vocabulary lacks it (its tokenizer adds a BOS). */
  public static final String IM_START = "<|im_start|>";

  public static PromptFormat of(VlmFamily family, int imageSeqLen) { return of(family, imageSeqLen, true); }

  /** The family's format; {@code imStart}: open Idefics3 prompts with {@code <|im_start|>} (when the tokenizer has it). */
  public static PromptFormat of(VlmFamily family, int imageSeqLen, boolean imStart) {
    return switch (family) {
      case IDEFICS2 -> new PromptFormat(family, "User:{image}{question}" + END_OF_UTTERANCE + "\nAssistant: ", IMAGE, FAKE_IMAGE, null, imageSeqLen);
      case IDEFICS3 -> new PromptFormat(family, (imStart ? IM_START : "") + "User:{image}{question}" + END_OF_UTTERANCE + "\nAssistant: ",
          IMAGE, FAKE_IMAGE, GLOBAL_IMAGE, imageSeqLen);
    };
  }

  /** question + " " + postfix, as the reference joins them (a space is added only when the postfix lacks one). */
  public static String withPostfix(String question, String postfix) {
    if (postfix == null || postfix.isEmpty()) return question;
    return question + (postfix.startsWith(" ") ? postfix : " " + postfix);
  }

  /** The text before the answer, with one image placeholder (not yet expanded). */
  public String prefix(String question) {
    return template.replace("{image}", imageToken).replace("{question}", question);
  }

  /** The chat template's generation prompt: the prefix without its trailing space, for greedy answers. */
  public String generationPrefix(String question) { return prefix(question).stripTrailing(); }

  /** The processor's text expansion of every image placeholder. */
  public String expand(String text) {
    String image = imageToken.repeat(imageSeqLen);
    String expanded = switch (family) {
      case IDEFICS2 -> fakeImageToken + image + fakeImageToken;
      case IDEFICS3 -> fakeImageToken + globalImageToken + image + fakeImageToken;
    };
    String out = text.replace(imageToken, expanded);
    // Idefics2Processor merges the wrappers of adjacent images into one
    return family == VlmFamily.IDEFICS2 ? out.replace(fakeImageToken + fakeImageToken, fakeImageToken) : out;
  }
}
