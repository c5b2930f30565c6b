package dev.dualproc.model.flux;

import dev.dualproc.distill.Generator;
import dev.dualproc.distill.Generators;
import dev.dualproc.engine.Placement;
import java.nio.file.Files;
import java.nio.file.Path;

/** FLUX pipeline folders as a generator family: a diffusers folder (model_index.json) or a folder with flux1-*.safetensors. */
public final class FluxFamily implements Generators.Family {
  public static final FluxFamily INSTANCE = new FluxFamily();

  @Override public String name() { return "FLUX (diffusers pipeline folder)"; }

  @Override public boolean accepts(String ref) {
    Path p = Path.of(ref);
    if (!Files.isDirectory(p)) return false;
    if (Files.isRegularFile(p.resolve("model_index.json"))) return true;
    try (var files = Files.list(p)) {
      return files.anyMatch(f -> f.getFileName().toString().matches("flux1-.*\\.safetensors"));
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Override public Generator open(String ref, Placement placement, Generators.Size size) {
    return FluxPipeline.open(Path.of(ref), placement, size.width(), size.height(), size.steps());
  }
}
