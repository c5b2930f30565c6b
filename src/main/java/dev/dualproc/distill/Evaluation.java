package dev.dualproc.distill;

import dev.dualproc.engine.Images;
import dev.dualproc.eval.Verdict;
import dev.dualproc.eval.Verifier;
import dev.dualproc.eval.Verifiers;
import java.util.*;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The evaluation of a taught LoRA (paper-brief §1.6): for every prompt and seed, the image with the LoRA off and on
 * (as loaded, so at its file weight), each question asked on the overlaid image (p and greedy answer), and the
 * control's verifier, when one exists, on the raw image.
 */
public final class Evaluation {
  private Evaluation() {}

  /** One evaluated image; {@code image} lives only during the callback. */
  public record Image(int promptIndex, String prompt, long seed, boolean loraOn, Tensor image, Results.Entry entry) {}

  public static List<Results.Entry> run(Teacher t, List<String> prompts, List<Long> seeds, java.util.function.Consumer<Image> onImage) {
    List<Results.Entry> out = new ArrayList<>();
    for (int pi = 0; pi < prompts.size(); pi++) {
      String prompt = prompts.get(pi);
      Conditioning c = t.conditioning(prompt);
      Optional<Verifier> verifier = t.spec().control() == null ? Optional.empty()
          : Verifiers.forControl(t.spec().control().preset(), t.spec().control().params(), prompt);
      for (long seed : seeds) {
        for (boolean on : new boolean[] {false, true}) {
          try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            t.lora().setEnabled(on);
            Tensor image = t.generator().generate(c, seed);
            List<Results.Answer> answers = new ArrayList<>();
            for (AskedQuestion q : t.questions()) {
              Critic.Answer a = t.critic().answer(q.view(image), q.prepared());
              answers.add(new Results.Answer(q.spec().question(), q.spec().answer(), a.p(), a.greedy()));
            }
            Map<String, Object> verdict = verifier.map(v -> json(v.judge(Images.toImage(image)))).orElse(null);
            Results.Entry e = new Results.Entry(prompt, seed, on ? "on" : "off", answers, verdict);
            out.add(e);
            onImage.accept(new Image(pi, prompt, seed, on, image, e));
          } finally {
            t.lora().setEnabled(true);
          }
        }
      }
    }
    return out;
  }

  static Map<String, Object> json(Verdict v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pass", v.pass());
    m.put("valid_scene", v.validScene());
    m.put("measured", v.measured());
    return m;
  }
}
