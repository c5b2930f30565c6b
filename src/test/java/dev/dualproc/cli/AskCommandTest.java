package dev.dualproc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Images;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** `dualproc dev tiny-model FAMILY --out DIR` then `dualproc ask --vlm DIR ...` on the folder it wrote. */
class AskCommandTest {
  @TempDir static Path dir;
  static Path image;

  record Result(int exit, String out, String err) {}

  static Result run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter(), err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  @BeforeAll static void writeImage() {
    image = dir.resolve("image.png");
    Images.writePng(image, Rng.normal(5, 1, 3, 40, 48).mul(Tensors.scalar(0.5)).tanh(), Map.of());
  }

  @ParameterizedTest @ValueSource(strings = {"idefics2", "idefics3"})
  void askRunsOnATinyModelFolder(String family) throws Exception {
    Path model = dir.resolve(family);
    Result w = run("dev", "tiny-model", family, "--out", model.toString());
    assertThat(w.exit()).as(w.err()).isZero();
    for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
        "preprocessor_config.json", "processor_config.json"})
      assertThat(model.resolve(f)).isRegularFile();
    assertThat(Files.size(model.resolve("model.safetensors"))).isLessThan(1 << 20);
    assertThat(Files.readString(model.resolve("config.json"))).contains("\"model_type\" : \"" + family + "\"");

    Result r = run("ask", "--vlm", model.toString(), "--image", image.toString(), "--question", "Is the sky blue?", "--answer", "No");
    System.out.print(r.out());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("question: Is the sky blue?").containsPattern("(?m)^answer: ");
    Matcher m = Pattern.compile("p\\(No\\) = ([0-9.eE-]+)").matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isGreaterThan(0).isLessThanOrEqualTo(1);

    // the same seed writes the same weights: p is reproducible
    Result again = run("ask", "--vlm", model.toString(), "--image", image.toString(), "--question", "Is the sky blue?", "--answer", "No");
    assertThat(again.out()).isEqualTo(r.out());
  }

  @Test void unknownFamilyAndMissingFolderFailWithOneLine() {
    Result bad = run("dev", "tiny-model", "gpt2", "--out", dir.resolve("x").toString());
    assertThat(bad.exit()).isEqualTo(2);
    Result missing = run("ask", "--vlm", dir.resolve("nope").toString(), "--image", image.toString(), "--question", "Q?");
    assertThat(missing.exit()).isEqualTo(2);
  }
}
