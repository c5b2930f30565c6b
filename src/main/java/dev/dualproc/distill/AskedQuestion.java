package dev.dualproc.distill;

import org.bytedeco.pytorch.Tensor;

/** A question of the task, tokenized once by the critic, with the visual prompt (or null) its image gets first. */
public record AskedQuestion(TaskSpec.Question spec, PreparedQuestion prepared, VisualPrompt visualPrompt) {
  /** What the critic sees: the image with this question's overlay. */
  public Tensor view(Tensor image) { return visualPrompt == null ? image : visualPrompt.apply(image); }
}
