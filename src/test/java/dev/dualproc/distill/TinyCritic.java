package dev.dualproc.distill;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * TEST FIXTURE, not a VLM: a "critic" made of real libtorch ops whose answer loss is a differentiable function of the
 * image: min-max normalised as the reference does, average-pooled to 2x2, a per-question linear map to two logits
 * (Yes, No), cross-entropy on the target. Deterministic from the question text.
 */
class TinyCritic implements Critic {
  record Tokens(Tensor weight, int target) {}

  @Override public String identity() { return "tiny-test-critic"; }

  @Override public PreparedQuestion prepare(String question, String answer) {
    Tensor w = Rng.normal(question.hashCode() & 0x7fffffffL, 2, 12).mul(Tensors.scalar(0.5));
    w.retainReference();
    return new PreparedQuestion(question, answer, new Tokens(w, answer.equalsIgnoreCase("yes") ? 0 : 1));
  }

  private static Tensor logits(Tensor image, Tokens t) {
    Tensor x = image.sub(image.min()).div(image.max().sub(image.min()));   // min-max to [0, 1], with grad through min and max
    Tensor pooled = adaptive_avg_pool2d(x.sub(Tensors.scalar(0.5)).div(Tensors.scalar(0.5)), new long[] {2, 2}).reshape(1, 12);
    return linear(pooled, t.weight());
  }

  @Override public Tensor answerLoss(Tensor image, PreparedQuestion q) {
    Tokens t = (Tokens) q.tokens();
    return log_softmax(logits(image, t), 1).select(1, t.target()).neg().mean();
  }

  @Override public Answer answer(Tensor image, PreparedQuestion q) {
    try (NoGradGuard g = new NoGradGuard()) {
      Tokens t = (Tokens) q.tokens();
      Tensor l = logits(image, t);
      int best = Tensors.item(l.argmax()) == 0 ? 0 : 1;
      return new Answer(best == 0 ? "Yes" : "No", Math.exp(-Tensors.item(answerLoss(image, q))));
    }
  }

  @Override public void close() {}
}
