package dev.dualproc.model.flux;

import dev.dualproc.distill.LoraFile;
import dev.dualproc.engine.LoraSet;
import java.nio.file.Path;
import java.util.Map;

/** The teaching run's LoRA writer for FLUX: PEFT names under {@code transformer.}, kohya names fused per BFL module. */
final class FluxLoraFile extends LoraFile {
  private final Flux flux;

  FluxLoraFile(Flux flux) {
    super(FluxLoraFiles.PEFT_PREFIX, FluxLoraFiles::kohyaName);
    this.flux = flux;
  }

  @Override protected org.bytedeco.pytorch.Tensor peftB(String module, org.bytedeco.pytorch.Tensor b) {
    return FluxLora.swapped(module, flux.params) ? FluxKeyMap.swapHalves(b, module) : b;
  }

  @Override public void write(Path file, LoraSet lora, double scale, Format format, Map<String, String> metadata) {
    double trainingWeight = scale * lora.rank / lora.alpha; // FluxLoraFiles folds weight * alpha / rank itself
    switch (format) {
      case PEFT -> FluxLoraFiles.savePeft(file, lora, trainingWeight, metadata, flux.params);
      case KOHYA -> FluxLoraFiles.exportKohya(file, lora, trainingWeight, metadata, flux);
    }
  }
}
