package dev.dualproc.distill;

import dev.dualproc.engine.AdamW;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.GradClip;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.LoraSet;
import dev.dualproc.engine.Tensors;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.*;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Dual-process distillation (paper-brief §1.3): each step rolls seeded noise out to step i without grad, runs one
 * generator step with grad to a decoded x0, overlays each question's visual prompt, and backpropagates the critic's
 * answer loss, averaged over the questions, into the LoRA only (gradient clipping, then AdamW). The teach options
 * (README) plug in without changing that shape: {@link LoraTargets} picks the adapted modules, {@link Views} what the
 * critic is shown, {@link CriticEnsemble} several critics as one, and {@link Anchor} and {@link Prior} optional penalties.
 */
public final class Teacher {
  /**
   * One finished step: step is the count of optimizer steps done (1-based); loss includes the anchor and prior terms, if any;
   * p = mean over views and questions of exp(-answer loss) (an ensemble's p: the mean over its critics).
   */
  /** {@code samplingStep}: the generator's sampling step i whose x0 estimate the critic judged (0 = from pure noise). */
  public record StepResult(int step, double loss, double p, double gradNorm, int samplingStep, double seconds) {}

  final TaskSpec spec;
  final Generator generator;
  final Critic critic;
  final List<AskedQuestion> questions = new ArrayList<>();
  final LoraSet lora;
  final AdamW optimizer;
  final Timesteps timesteps;
  private final SeedBank bank;
  private final Views views;
  private final Map<String, Conditioning> conditioning = new HashMap<>();
  int step; // optimizer steps done

  /** Attaches a fresh LoRA, prepares the questions and overlays, and encodes the training prompts once. */
  public Teacher(TaskSpec spec, Path baseDir, Generator generator, Critic critic) {
    this.spec = spec; this.generator = generator; this.critic = critic;
    this.lora = LoraTargets.attach(generator, spec);
    this.views = Views.of(spec);
    for (TaskSpec.Question q : spec.questions())
      questions.add(new AskedQuestion(q, critic.prepare(q.question(), q.answer()),
          VisualPrompt.of(q, baseDir, generator.width(), generator.height())));
    this.optimizer = new AdamW(lora.parameters(), AdamW.Options.lr(spec.lr()).withWeightDecay(spec.weightDecay()));
    this.timesteps = new Timesteps(spec.timestep(), generator, spec.timestepSeed());
    this.bank = new SeedBank(spec.trainSeed(), spec.trainN(), generator.noise(spec.trainSeed()));
    for (String p : spec.prompts()) conditioning(p);
  }

  /** Trains until spec.steps() or until {@code stop} says so, checked at each step boundary. */
  public void train(BooleanSupplier stop, Consumer<StepResult> afterStep) {
    List<Tensor> params = lora.parameters();
    while (step < spec.steps() && !stop.getAsBoolean()) {
      long t0 = System.nanoTime();
      StepResult r;
      try (PointerScope scope = new PointerScope()) {
        Conditioning c = conditioning(spec.prompts().get(step % spec.prompts().size()));
        int i = timesteps.next();
        lora.setEnabled(true);
        lora.setWeight(spec.trainWeight());
        Tensor zt;
        try (NoGradGuard g = new NoGradGuard()) { zt = generator.rollout(bank.noise(step), c, i); } // truncated backprop
        boolean prior = spec.priorWeight() != null && spec.priorWeight() > 0;
        Tensor latent = prior ? generator.x0Latent(zt, c, i) : null;             // x0 = z_t - sigma_i * v, with grad
        Tensor image = prior ? generator.decode(latent) : generator.x0Image(zt, c, i); // decoded
        Critic.Scored answer = answerLoss(image, step);
        Tensor loss = answer.loss();
        if (spec.anchorWeight() != null && spec.anchorWeight() > 0) loss = loss.add(Anchor.term(spec.anchorWeight(), generator, lora, image, zt, c, i));
        if (prior) loss = loss.add(Prior.term(spec.priorWeight(), Prior.Mode.parse(spec.priorMode()), generator, lora, latent, c,
            Prior.draw(spec.trainSeed(), step, generator.steps())));
        double lossValue = Tensors.item(loss);
        optimizer.zeroGrad();
        loss.backward();
        double gradNorm = GradClip.clipNorm(params, spec.gradClip());
        if (!Double.isFinite(lossValue) || !Double.isFinite(gradNorm)) // stop before the update: the LoRA and the checkpoint stay good
          throw new DualprocException("step " + (step + 1) + ": the loss is " + lossValue + " and the gradient norm " + gradNorm
              + "; the LoRA was not updated (try a lower lr or float32)");
        optimizer.step();
        step++;
        r = new StepResult(step, lossValue, answer.p(), gradNorm, i, (System.nanoTime() - t0) / 1e9);
      }
      afterStep.accept(r);
    }
  }

  /**
   * The answer loss averaged over every view and question, and the mean p: each view through the question's overlay, or
   * with view_augment.with_overlay each question's overlaid image augmented (the same draws for every question).
   */
  Critic.Scored answerLoss(Tensor image, int step) {
    List<List<Tensor>> seen = new ArrayList<>(); // [question][view], what the critic is shown
    List<Tensor> plain = views.withOverlay() ? null : views.of(image, step);
    for (AskedQuestion q : questions) seen.add(plain == null ? views.of(q.view(image), step) : plain.stream().map(q::view).toList());
    int nv = seen.get(0).size(), n = nv * questions.size();
    Tensor loss = null;
    double p = 0;
    for (int v = 0; v < nv; v++)
      for (int qi = 0; qi < questions.size(); qi++) {
        AskedQuestion q = questions.get(qi);
        Critic.Scored s = critic.score(seen.get(qi).get(v), q.prepared());
        p += s.p() / n;
        loss = loss == null ? s.loss() : loss.add(s.loss());
      }
    return new Critic.Scored(loss.div(Tensors.scalar(n)), p);
  }

  /** A readout: the image (with the first question's overlay, if any) and every question's greedy answer and p. */
  public record Readout(BufferedImage image, List<Results.Answer> answers) {}

  /** The readout on the first evaluation prompt and seed, LoRA on. */
  public Readout readout() {
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      lora.setEnabled(true);
      Tensor image = generator.generate(conditioning(spec.evalPrompts().get(0)), spec.evalSeeds().get(0));
      List<Results.Answer> out = new ArrayList<>();
      for (AskedQuestion q : questions) {
        Critic.Answer a = critic.answer(q.view(image), q.prepared());
        out.add(new Results.Answer(q.spec().question(), q.spec().answer(), a.p(), a.greedy()));
      }
      return new Readout(Images.toImage(questions.get(0).view(image)), out);
    }
  }

  /** A prompt's conditioning, encoded once and kept beyond any PointerScope. */
  public Conditioning conditioning(String prompt) {
    return conditioning.computeIfAbsent(prompt, p -> {
      Conditioning c;
      try (NoGradGuard g = new NoGradGuard()) { c = generator.encode(p); }
      c.tensors().values().forEach(Tensor::retainReference);
      return c;
    });
  }

  public int step() { return step; }
  public TaskSpec spec() { return spec; }
  public Generator generator() { return generator; }
  public Critic critic() { return critic; }
  public LoraSet lora() { return lora; }
  public List<AskedQuestion> questions() { return Collections.unmodifiableList(questions); }
  public String timestepRule() { return timesteps.rule(); }
}
