package dev.dualproc.cli;

import dev.dualproc.distill.Critic;
import dev.dualproc.distill.PreparedQuestion;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.vlm.IdeficsCritic;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `dualproc ask --vlm DIR --image FILE --question Q [--answer A]`: the critic's greedy answer and p(A). */
@Command(name = "ask", mixinStandardHelpOptions = true,
    description = "Ask a VLM (an Idefics2 or Idefics3/SmolVLM snapshot folder) a question about an image. Prints the "
        + "greedy answer and p(answer) = exp(-loss), the loss being the cross-entropy of the answer tokens as "
        + "the teaching loop computes it (the question gets the postfix \"Answer with Yes or No.\" unless "
        + "--postfix says otherwise).")
public final class AskCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--vlm", defaultValue = "world", paramLabel = "world|DIR|REPO",
      description = "world (the built-in critic, the default), an HF snapshot folder of the VLM, or a repo id in the local HF cache")
  String vlm;

  @Option(names = "--image", required = true, paramLabel = "FILE", description = "PNG or JPEG image")
  Path image;

  @Option(names = "--question", required = true, paramLabel = "Q")
  String question;

  @Option(names = "--answer", defaultValue = "Yes", paramLabel = "A", description = "target answer scored as p(A) (default ${DEFAULT-VALUE})")
  String answer;

  @Option(names = "--postfix", defaultValue = "Answer with Yes or No.", description = "appended to the question (default \"${DEFAULT-VALUE}\"; \"\" for none)")
  String postfix;

  @Option(names = "--max-new-tokens", defaultValue = "5", description = "greedy answer length limit (default ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default ${DEFAULT-VALUE})")
  String device;

  @Option(names = "--dtype", defaultValue = "float32", description = "float32 or bfloat16 (default ${DEFAULT-VALUE})")
  String dtype;

  @Override public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Tensor img = Images.readTensor(image); // read first: a bad image fails before the model loads
    try (PointerScope scope = new PointerScope();
         IdeficsCritic critic = dev.dualproc.world.critic.WorldCritic.REF.equals(vlm)
             ? dev.dualproc.world.critic.WorldCritic.open(Placement.parse(device, dtype))
             : IdeficsCritic.open(vlm, Placement.parse(device, dtype))) {
      critic.postfix(postfix).maxNewTokens(maxNewTokens);
      PreparedQuestion q = critic.prepare(question, answer);
      Critic.Answer a = critic.answer(img, q);
      out.println("question: " + question);
      out.println("answer:   " + a.greedy());
      out.printf(Locale.ROOT, "p(%s) = %.6f%n", answer, a.p());
      out.flush();
    }
    return 0;
  }
}
