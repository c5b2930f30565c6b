package dev.dualproc.cli;

import dev.dualproc.distill.Conditioning;
import dev.dualproc.distill.Generator;
import dev.dualproc.distill.Generators;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `dualproc generate`: one image from a prompt and a seed, optionally with a LoRA; the PNG records how it was made. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Generate an image. The PNG carries the prompt, seed, steps, model and LoRA as text metadata.")
public final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--generator", paramLabel = "REF", description = "world, a FLUX pipeline folder, or an HF repo id (default: ${DEFAULT-VALUE})")
  String generator = "world";
  @Option(names = "--prompt", required = true) String prompt;
  @Option(names = "--seed", defaultValue = "0") long seed;
  @Option(names = "--steps", description = "sampling steps (default: the model's; schnell 4)") Integer steps;
  @Option(names = "--width") Integer width;
  @Option(names = "--height") Integer height;
  @Option(names = "--lora", paramLabel = "FILE", description = "a LoRA file (PEFT/diffusers or kohya names)") Path lora;
  @Option(names = "--lora-scale", defaultValue = "1.0", description = "LoRA strength (default: ${DEFAULT-VALUE})") double loraScale;
  @Option(names = "--device", defaultValue = "cpu") String device;
  @Option(names = "--dtype", defaultValue = "float32") String dtype;
  @Option(names = "--out", required = true, paramLabel = "FILE.png") Path out;

  @Override public Integer call() {
    if (!out.getFileName().toString().toLowerCase().endsWith(".png")) throw new DualprocException("--out: expected a .png file name, got " + out);
    if (lora != null && !Files.isRegularFile(lora)) throw new DualprocException("--lora: " + lora + ": no such file");
    Placement placement = Placement.parse(device, dtype);
    Generators.Size size = new Generators.Size(width == null ? 0 : width, height == null ? 0 : height, steps == null ? 0 : steps);
    try (Generator g = Generators.open(generator, placement, size)) {
      if (lora != null) g.loadLora(lora, loraScale);
      Conditioning c = g.encode(prompt);
      Tensor image = g.generate(c, seed);
      Map<String, String> text = new LinkedHashMap<>();
      text.put("prompt", prompt);
      text.put("seed", Long.toString(seed));
      text.put("steps", Integer.toString(g.steps()));
      text.put("model", g.identity());
      if (lora != null) { text.put("lora", lora.toAbsolutePath().normalize().toString()); text.put("lora_scale", Double.toString(loraScale)); }
      text.put("software", "dualproc " + Version.get());
      Images.writePng(out, image, text);
      System.out.println(out + " (" + g.width() + "x" + g.height() + ", seed " + seed + ", " + g.steps() + " steps" + (lora != null ? ", LoRA x" + loraScale : "") + ")");
    }
    return 0;
  }
}
