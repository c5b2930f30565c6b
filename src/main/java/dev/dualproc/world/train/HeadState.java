package dev.dualproc.world.train;

import dev.dualproc.engine.AdamW;
import dev.dualproc.engine.SafeTensorsWriter;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.TensorSources;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** A training-only head's weights and AdamW moments in a checkpoint folder (STEM.safetensors, STEM_adam.safetensors); never exported. */
final class HeadState {
  private HeadState() {}

  static void save(Path dir, String stem, Map<String, Tensor> weights, AdamW opt, Map<String, String> meta) {
    SafeTensorsWriter.write(dir.resolve(stem + ".safetensors"), weights, meta);
    SafeTensorsWriter.write(dir.resolve(stem + "_adam.safetensors"), opt.stateTensors(), meta);
  }

  static void load(Path dir, String stem, Map<String, Tensor> weights, AdamW opt) {
    try (TensorSource s = TensorSources.open(dir.resolve(stem + ".safetensors"))) { ParameterSet.copyInto(weights, s); }
    try (TensorSource s = TensorSources.open(dir.resolve(stem + "_adam.safetensors"))) { opt.loadState(s); }
  }
}
