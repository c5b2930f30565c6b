package dev.dualproc.model.vlm;

import dev.dualproc.distill.Critic;
import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.DType;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.cross_entropy_loss;

/**
 * An Idefics2 or Idefics3/SmolVLM snapshot folder as the teaching loop's critic: the answer's cross-entropy under
 * teacher forcing, differentiable down to the image, and greedy answers for readouts.
 *
 * <p>Input size: the processor's explicit height/width when it has one; otherwise what the image processor does with
 * splitting off: Idefics2 caps the longest edge at size.longest_edge and floors both at size.shortest_edge (a 512x512
 * image stays 512x512, which is also the reference's size), Idefics3 squares the image to max_image_size.
 */
public final class IdeficsCritic implements Critic {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IdeficsCritic.class);
  public final Path folder;
  public final IdeficsModel model;
  public final VlmTokenizer tokenizer;
  public final PromptFormat format;
  public final ProcessorConfig processor;
  private String postfix = PromptFormat.YES_NO_POSTFIX;
  private int maxNewTokens = 5;
  private long[] inputSize; // {height, width} to force, or null for the family's rule

  private IdeficsCritic(Path folder, IdeficsModel model, VlmTokenizer tokenizer, ProcessorConfig processor) {
    this.folder = folder; this.model = model; this.tokenizer = tokenizer; this.processor = processor;
    this.format = PromptFormat.of(model.config.family(), processor.imageSeqLen(), tokenizer.id(PromptFormat.IM_START) >= 0);
  }

  /**
   * Loads config.json, the weights (single file or sharded index), tokenizer.json and the processor configs, and logs
   * the matched/unmatched tensor report. Call it outside any per-step PointerScope: the weights must outlive the steps.
   */
  public static IdeficsCritic load(Path folder, Placement placement) {
    if (!Files.isDirectory(folder)) throw new DualprocException(folder + ": not a folder (expected an HF snapshot of an Idefics2 or Idefics3 model)");
    IdeficsConfig config = IdeficsConfig.read(folder.resolve("config.json"));
    ProcessorConfig processor = ProcessorConfig.read(folder, config);
    VlmTokenizer tokenizer = VlmTokenizer.open(folder.resolve("tokenizer.json"), folder.resolve("tokenizer_config.json"));
    try {
      if (tokenizer.maxId() >= config.text().vocabSize())
        throw new DualprocException(tokenizer.file + ": token id " + tokenizer.maxId() + " is outside the model's vocab_size " + config.text().vocabSize());
      for (String t : config.family() == VlmFamily.IDEFICS2
          ? new String[] {PromptFormat.IMAGE, PromptFormat.FAKE_IMAGE, PromptFormat.END_OF_UTTERANCE}
          : new String[] {PromptFormat.IMAGE, PromptFormat.FAKE_IMAGE, PromptFormat.GLOBAL_IMAGE, PromptFormat.END_OF_UTTERANCE})
        tokenizer.requireId(t);
      if (tokenizer.id(PromptFormat.IMAGE) != config.imageTokenId())
        throw new DualprocException(folder + ": config.json image_token_id " + config.imageTokenId() + " is not the tokenizer's <image> id " + tokenizer.id(PromptFormat.IMAGE));
      try (TensorSource source = TensorSources.open(folder)) { // loaded tensors own their memory: the mapping can go
        IdeficsModel model = new IdeficsModel(config, source, placement);
        LOG.info("{} {} ({}, {}): {}", config.family().modelType, folder, placement.device(), DType.of(placement.dtype()), model.report.summary());
        return new IdeficsCritic(folder, model, tokenizer, processor);
      }
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  /** A folder, or an HF repo id in the local cache, whose config.json is an Idefics2 or Idefics3/SmolVLM model. */
  public static boolean accepts(String ref) {
    Optional<Path> folder = resolve(ref);
    if (folder.isEmpty() || !Files.isRegularFile(folder.get().resolve("config.json"))) return false;
    try {
      VlmFamily.ofModelType(JsonConfig.read(folder.get().resolve("config.json")).string("model_type", ""), ref);
      return true;
    } catch (DualprocException e) {
      return false;
    }
  }

  /** Opens a reference that {@link #accepts} takes (the critic-registry entry point). */
  public static IdeficsCritic open(String ref, Placement placement) {
    return load(resolve(ref).orElseThrow(() -> new DualprocException(ref + ": neither a folder nor a model in the local HF cache ("
        + dev.dualproc.engine.HfCache.hubDir() + ")")), placement);
  }

  private static Optional<Path> resolve(String ref) {
    try {
      Path p = Path.of(ref);
      if (Files.isDirectory(p)) return Optional.of(p);
    } catch (java.nio.file.InvalidPathException e) {
      return Optional.empty();
    }
    return dev.dualproc.engine.HfCache.snapshot(ref);
  }

  public IdeficsCritic postfix(String p) { postfix = p; return this; }
  public IdeficsCritic maxNewTokens(int n) { maxNewTokens = n; return this; }
  public IdeficsCritic inputSize(long height, long width) { inputSize = new long[] {height, width}; return this; }

  @Override public String identity() { return folder.toString(); }

  @Override public PreparedQuestion prepare(String question, String answer) {
    String q = PromptFormat.withPostfix(question, postfix);
    return new PreparedQuestion(question, answer, AnswerTokens.of(tokenizer, format, q, answer));
  }

  /** The size the image is resized to, {height, width}, for an image of the given size. */
  public long[] inputSizeFor(long height, long width) {
    if (inputSize != null) return inputSize;
    return processor.inputSize(model.config.family(), height, width);
  }

  /** The image as the model reads it: [1, 3, h, w] in the model's dtype, differentiable. */
  public Tensor pixelValues(Tensor image) {
    long[] size = inputSizeFor(image.size(2), image.size(3));
    Tensor x = image.to(model.device(), image.scalar_type());
    return ImageInput.pixelValues(x, processor.imageMean(), processor.imageStd(), size[0], size[1]).to(model.dtype());
  }

  @Override public Tensor answerLoss(Tensor image, PreparedQuestion q) { return loss(pixelValues(image), tokens(q)); }

  /** The mean of the answer losses of several pairs on one image; the vision tower runs once. */
  @Override public Tensor meanAnswerLoss(Tensor image, List<PreparedQuestion> qs) {
    if (qs.isEmpty()) throw new IllegalArgumentException("no questions to average over");
    Tensor feats = model.imageFeatures(pixelValues(image));
    Tensor sum = null;
    for (PreparedQuestion q : qs) {
      Tensor l = lossFromFeatures(feats, tokens(q));
      sum = sum == null ? l : sum.add(l);
    }
    return sum.div(new Scalar((double) qs.size()));
  }

  /** Mean cross-entropy of the target tokens, each predicted from the position before it (shifted). */
  public Tensor loss(Tensor pixelValues, AnswerTokens t) { return lossFromFeatures(model.imageFeatures(pixelValues), t); }

  Tensor lossFromFeatures(Tensor imageFeatures, AnswerTokens t) {
    Tensor hidden = model.hiddenStatesFromFeatures(t.inputIds(), imageFeatures, null);
    long[] before = new long[t.targetPositions().length];
    for (int i = 0; i < before.length; i++) before[i] = t.targetPositions()[i] - 1;
    Tensor rows = hidden.index_select(1, Tensors.fromLongs(before, before.length).to(hidden.device(), ScalarType.Long));
    Tensor logits = model.logits(rows).reshape(before.length, -1);
    Tensor targets = Tensors.fromLongs(t.targetIds(), before.length).to(hidden.device(), ScalarType.Long);
    return cross_entropy_loss(logits, targets, new TensorOptional(), 1 /* mean */, -100, 0.0);
  }

  @Override public Answer answer(Tensor image, PreparedQuestion q) {
    AnswerTokens t = tokens(q);
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor feats = model.imageFeatures(pixelValues(image));
      double p = Math.exp(-Tensors.item(lossFromFeatures(feats, t)));
      long[] ids = GreedyDecoder.decode(model, t.generationIds(), feats, maxNewTokens, tokenizer::isSpecial, true);
      return new Answer(tokenizer.decode(ids).strip(), p);
    }
  }

  private static AnswerTokens tokens(PreparedQuestion q) {
    if (!(q.tokens() instanceof AnswerTokens t))
      throw new IllegalArgumentException("question '" + q.question() + "' was not prepared by an IdeficsCritic");
    return t;
  }

  @Override public void close() { tokenizer.close(); }
}
