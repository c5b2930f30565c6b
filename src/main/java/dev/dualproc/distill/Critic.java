package dev.dualproc.distill;

import org.bytedeco.pytorch.Tensor;

/**
 * The critic seam (ARCHITECTURE.md): a VLM that gives a differentiable loss on a target answer for an image, and answers
 * greedily for readouts.
 */
public interface Critic extends AutoCloseable {
  String identity();

  /** Tokenize once: question (with the model's postfix), the answer's token ids and positions. */
  PreparedQuestion prepare(String question, String answer);

  /** Cross-entropy of the answer tokens given the image ([1, 3, H, W], any range: the critic min-max normalizes). */
  Tensor answerLoss(Tensor image, PreparedQuestion q);

  /** The answer loss with p = exp(-loss), what a teaching step reports (an ensemble reports its members' mean p). */
  default Scored score(Tensor image, PreparedQuestion q) {
    Tensor l = answerLoss(image, q);
    return new Scored(l, Math.exp(-dev.dualproc.engine.Tensors.item(l)));
  }

  record Scored(Tensor loss, double p) {}

  /** The mean answer loss over several pairs on the same image (the reference averages up to 5); critics may share work. */
  default Tensor meanAnswerLoss(Tensor image, java.util.List<PreparedQuestion> qs) {
    if (qs.isEmpty()) throw new IllegalArgumentException("no questions to average over");
    Tensor sum = null;
    for (PreparedQuestion q : qs) sum = sum == null ? answerLoss(image, q) : sum.add(answerLoss(image, q));
    return sum.div(new org.bytedeco.pytorch.Scalar((double) qs.size()));
  }

  /** The greedy answer (up to a few tokens) and p(target answer) = exp(-loss), without grad. */
  Answer answer(Tensor image, PreparedQuestion q);

  record Answer(String greedy, double p) {}

  @Override void close();
}
