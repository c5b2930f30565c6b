package dev.dualproc.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.*;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA files: the training scale folded into B so weight 1.0 is the trained effect, in PEFT and kohya names. */
class LoraFileTest {
  @TempDir Path tmp;

  /** Two linears with rank-4 adapters, alpha 8, B made non-zero (as if trained), at the training weight 5. */
  static LoraSet trained(long seed) {
    LoraSet set = new LoraSet(4, 8);
    var g = Rng.generator(seed);
    Linear a = new Linear(Rng.normal(g, 6, 5), null), b = new Linear(Rng.normal(g, 3, 6), null);
    set.add(a.addLora("blocks.0.to_q", 4, 8, g));
    set.add(b.addLora("blocks.0.ff", 4, 8, g));
    try (NoGradGuard ng = new NoGradGuard()) { for (Lora l : set.adapters()) l.B.copy_(Rng.normal(g, l.B.size(0), l.B.size(1))); }
    set.setWeight(5);
    return set;
  }

  static LoraSet fresh(long seed) { LoraSet s = trained(seed + 1000); s.setWeight(1); return s; }

  @Test void peftAndKohyaFilesLoadAtWeightOneWithTheTrainedEffect() {
    LoraSet t = trained(1);
    for (LoraFile.Format format : LoraFile.Format.values()) {
      Path file = tmp.resolve(format + ".safetensors");
      LoraFile.ENGINE.write(file, t, 5 * 8 / 4.0, format, Map.of("dualproc_steps", "20"));
      LoraSet r = fresh(1);
      assertThat(LoraFile.ENGINE.load(file, r)).isEqualTo(format);
      for (Lora l : t.adapters()) {
        Lora back = r.get(l.name);
        assertThat(back.scale()).as(format + " scale after load").isEqualTo(1.0);
        assertThat(Tensors.relativeError(back.deltaWeight(), l.deltaWeight())).as(format + " " + l.name).isLessThan(1e-6);
      }
    }
    try (SafeTensorsFile f = SafeTensorsFile.open(tmp.resolve("PEFT.safetensors"))) {
      assertThat(f.names()).containsExactly("blocks.0.to_q.lora_A.weight", "blocks.0.to_q.lora_B.weight", "blocks.0.ff.lora_A.weight", "blocks.0.ff.lora_B.weight");
      assertThat(f.metadata()).containsEntry("dualproc_steps", "20").containsEntry("ss_network_alpha", "4");
      assertThat(f.metadata().get("lora_adapter_metadata")).contains("\"r\":4", "\"lora_alpha\":4");
    }
    try (SafeTensorsFile f = SafeTensorsFile.open(tmp.resolve("KOHYA.safetensors"))) {
      assertThat(f.names()).contains("lora_unet_blocks_0_to_q.lora_down.weight", "lora_unet_blocks_0_to_q.lora_up.weight", "lora_unet_blocks_0_to_q.alpha");
    }
  }

  @Test void aFamilysPrefixNamesTheKeys() {
    LoraFile flux = new LoraFile("transformer.", m -> "lora_unet_" + m.replace('.', '_'));
    Path file = tmp.resolve("flux.safetensors");
    flux.write(file, trained(2), 1.0, LoraFile.Format.PEFT, Map.of());
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) { assertThat(f.names()).contains("transformer.blocks.0.to_q.lora_A.weight"); }
    assertThatThrownBy(() -> LoraFile.ENGINE.load(file, fresh(2))).isInstanceOf(DualprocException.class).hasMessageContaining("missing 'blocks.0.to_q.lora_A.weight'");
    assertThat(flux.load(file, fresh(2))).isEqualTo(LoraFile.Format.PEFT);
  }

  @Test void filesThatDoNotMatchTheAdaptersAreRefused() {
    Path file = tmp.resolve("x.safetensors");
    LoraFile.ENGINE.write(file, trained(3), 1.0, LoraFile.Format.PEFT, Map.of());
    Map<String, Tensor> extra = new LinkedHashMap<>();
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) { for (String n : f.names()) extra.put(n, f.load(n)); }
    extra.put("blocks.9.to_k.lora_A.weight", Rng.normal(1, 4, 5));
    SafeTensorsWriter.write(tmp.resolve("extra.safetensors"), extra, Map.of());
    assertThatThrownBy(() -> LoraFile.ENGINE.load(tmp.resolve("extra.safetensors"), fresh(3)))
        .isInstanceOf(DualprocException.class).hasMessageContaining("1 tensors match no LoRA module").hasMessageContaining("blocks.9.to_k.lora_A.weight");
    LoraSet rank8 = new LoraSet(8, 8);
    var g = Rng.generator(4);
    rank8.add(new Linear(Rng.normal(g, 6, 5), null).addLora("blocks.0.to_q", 8, 8, g));
    rank8.add(new Linear(Rng.normal(g, 3, 6), null).addLora("blocks.0.ff", 8, 8, g));
    assertThatThrownBy(() -> LoraFile.ENGINE.load(file, rank8)).isInstanceOf(DualprocException.class).hasMessageContaining("rank 4");
    SafeTensorsWriter.write(tmp.resolve("none.safetensors"), Map.of("w", Rng.normal(1, 2)), Map.of());
    assertThatThrownBy(() -> LoraFile.ENGINE.load(tmp.resolve("none.safetensors"), fresh(3))).hasMessageContaining("has no LoRA tensors");
  }
}
