package dev.dualproc.world.critic;

import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.Tensors;
import dev.dualproc.model.vlm.AnswerTokens;
import dev.dualproc.model.vlm.IdeficsCritic;
import dev.dualproc.model.vlm.PromptFormat;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;
import static org.bytedeco.pytorch.global.torch.zeros;

/**
 * Several (image, question, answer) triples through an IdeficsCritic's model in one pass, for training and evaluation.
 * Each answer loss is the critic's own ({@link IdeficsCritic#answerLoss}: the same pixel values, prompt tokens and
 * target positions), the batch being only right-padded sequences under causal attention; the batch loss is their mean.
 *
 * @param answerLoss mean over the items of each item's answer loss (differentiable)
 * @param itemLosses each item's answer loss [B] (differentiable)
 * @param stopLoss mean cross-entropy of {@code <end_of_utterance>} right after each answer (differentiable)
 * @param saysYes per item: the Yes logit beats the No logit at the answer's first position
 * @param itemLoss per item: its answer loss (detached)
 * @param answerStates per item: the decoder's last hidden state where it predicts the answer's first token [B, D]
 */
public record AnswerBatch(Tensor answerLoss, Tensor itemLosses, Tensor stopLoss, boolean[] saysYes, double[] itemLoss, Tensor answerStates) {

  /** images: [1, 3, H, W] each, any range (the critic min-max normalises each one, as in teaching). */
  public static AnswerBatch of(IdeficsCritic critic, List<Tensor> images, List<PreparedQuestion> questions) {
    if (images.isEmpty() || questions.size() != images.size()) throw new IllegalArgumentException("need as many questions as images, at least one");
    return of(critic, critic.model.imageFeatures(pixelValues(critic, images)), questions);
  }

  /** The images' pixel values as the critic reads them, stacked: [B, 3, h, w]. */
  public static Tensor pixelValues(IdeficsCritic critic, List<Tensor> images) {
    TensorVector pixels = new TensorVector();
    for (Tensor image : images) pixels.push_back(critic.pixelValues(image));
    return cat(pixels, 0);
  }

  /** As {@link #of(IdeficsCritic, List, List)} from image features already computed ([B * image_seq_len, D], batch order). */
  public static AnswerBatch of(IdeficsCritic critic, Tensor features, List<PreparedQuestion> questions) {
    return of(critic, features, questions, null);
  }

  /**
   * As above, where {@code soft[i]} (when not NaN) makes item i's loss the cross-entropy of its one answer token
   * against p(Yes) = soft[i], p(No) = 1 - soft[i] (graded items: world.ItemRecipe); soft may be null.
   */
  public static AnswerBatch of(IdeficsCritic critic, Tensor features, List<PreparedQuestion> questions, double[] soft) {
    int b = questions.size();

    AnswerTokens[] tokens = new AnswerTokens[b];
    int length = 0, answerRows = 0;
    for (int i = 0; i < b; i++) {
      tokens[i] = (AnswerTokens) questions.get(i).tokens();
      length = Math.max(length, tokens[i].inputIds().length);
      answerRows += tokens[i].targetPositions().length;
    }
    long pad = critic.tokenizer.requireId("<|im_end|>"), stop = critic.tokenizer.requireId(PromptFormat.END_OF_UTTERANCE);
    long[] ids = new long[b * length];
    java.util.Arrays.fill(ids, pad);
    long[] rows = new long[answerRows + b], targets = new long[answerRows + b];
    float[] weights = new float[answerRows];
    long[] itemOfRow = new long[answerRows];
    int[] firstRow = new int[b];
    int r = 0;
    for (int i = 0; i < b; i++) {
      long[] in = tokens[i].inputIds();
      System.arraycopy(in, 0, ids, i * length, in.length);
      firstRow[i] = r;
      int[] positions = tokens[i].targetPositions();
      for (int p : positions) {
        rows[r] = (long) i * length + p - 1;
        targets[r] = in[p];
        itemOfRow[r] = i;
        weights[r++] = 1f / positions.length;
      }
      rows[answerRows + i] = (long) i * length + in.length - 1; // the last answer token predicts the end of the turn
      targets[answerRows + i] = stop;
    }
    Tensor hidden = critic.model.hiddenStates(Tensors.fromLongs(ids, b, length), features);
    Tensor picked = hidden.reshape(b * length, hidden.size(2))
        .index_select(0, Tensors.fromLongs(rows, rows.length).to(hidden.device(), ScalarType.Long));
    Tensor logits = critic.model.logits(picked);
    Tensor ce = cross_entropy_loss(logits, Tensors.fromLongs(targets, targets.length).to(logits.device(), ScalarType.Long),
        new TensorOptional(), 0 /* none */, -100, 0.0);
    Tensor rowLoss = ce.narrow(0, 0, answerRows).mul(Tensors.fromFloats(weights, answerRows).to(ce.device(), ce.scalar_type()));
    Tensor perItem = zeros(new long[] {b}, new org.bytedeco.pytorch.TensorOptions(ce.scalar_type())).to(ce.device(), ce.scalar_type())
        .index_add(0, Tensors.fromLongs(itemOfRow, answerRows).to(ce.device(), ScalarType.Long), rowLoss);
    long yes = critic.tokenizer.requireId("Yes"), no = critic.tokenizer.requireId("No");
    long vocab = logits.size(1);
    double[] softLoss = null;
    if (soft != null) {
      float[] probs = new float[(int) (b * vocab)], mask = new float[b];
      long[] first = new long[b];
      boolean any = false;
      for (int i = 0; i < b; i++) {
        first[i] = firstRow[i];
        if (Double.isNaN(soft[i])) continue;
        if (tokens[i].targetPositions().length != 1) throw new IllegalArgumentException("a soft answer needs a one-token Yes/No answer (item " + i + ")");
        probs[(int) (i * vocab + yes)] = (float) soft[i];
        probs[(int) (i * vocab + no)] = (float) (1 - soft[i]);
        mask[i] = 1;
        any = true;
      }
      if (any) {
        Tensor firstLogits = logits.index_select(0, Tensors.fromLongs(first, b).to(logits.device(), ScalarType.Long)).to(logits.device(), ScalarType.Float);
        Tensor softCe = cross_entropy_loss(firstLogits, Tensors.fromFloats(probs, b, vocab).to(logits.device(), ScalarType.Float),
            new TensorOptional(), 0 /* none */, -100, 0.0).to(logits.device(), perItem.scalar_type());
        Tensor m = Tensors.fromFloats(mask, b).to(perItem.device(), perItem.scalar_type());
        perItem = perItem.mul(m.neg().add(new org.bytedeco.pytorch.Scalar(1.0))).add(softCe.mul(m));
        softLoss = new double[b];
        float[] sl = Tensors.floats(softCe.detach());
        for (int i = 0; i < b; i++) softLoss[i] = mask[i] > 0 ? sl[i] : Double.NaN;
      }
    }
    Tensor answer = perItem.mean();
    Tensor stopLoss = ce.narrow(0, answerRows, b).mean();

    float[] l = Tensors.floats(logits.detach());
    float[] c = Tensors.floats(ce.detach());
    boolean[] saysYes = new boolean[b];
    double[] itemLoss = new double[b];
    for (int i = 0; i < b; i++) {
      int row = firstRow[i];
      saysYes[i] = l[(int) (row * vocab + yes)] > l[(int) (row * vocab + no)];
      int n = tokens[i].targetPositions().length;
      double s = 0;
      for (int k = 0; k < n; k++) s += c[row + k];
      itemLoss[i] = softLoss != null && !Double.isNaN(softLoss[i]) ? softLoss[i] : s / n;
    }
    long[] first = new long[b];
    for (int i = 0; i < b; i++) first[i] = firstRow[i];
    Tensor answerStates = picked.index_select(0, Tensors.fromLongs(first, b).to(picked.device(), ScalarType.Long));
    return new AnswerBatch(answer, perItem, stopLoss, saysYes, itemLoss, answerStates);
  }
}
