package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weights in their stored dtype load as views of a private file mapping: no copy, valid after close, writes stay private. */
class MappedWeightsTest {
  @TempDir Path tmp;

  @Test void bf16WeightsOnTheCpuAreMappedNotCopiedAndOutliveTheFile() throws Exception {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("w", Rng.normal(1, 64, 32).to(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16));
    t.put("b", Rng.normal(2, 64));
    Path file = tmp.resolve("m.safetensors");
    SafeTensorsWriter.write(file, t, Map.of());
    assertThat(file.toFile().setReadOnly()).isTrue(); // a read-only file (like a shared HF cache) still maps privately
    byte[] before = Files.readAllBytes(file);

    Tensor w, b;
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      Weights ws = new Weights(f, Placement.cpuBf16());
      w = ws.get("w", 64, 32);
      b = ws.get("b", 64);
      Tensor again = new Weights(f, Placement.cpuBf16()).get("w", 64, 32);
      assertThat(again.data_ptr().address()).as("one mapping per file: the same bytes").isEqualTo(w.data_ptr().address());
    }
    // read after the file object is closed (a model outlives its loader)
    assertThat(Tensors.bytes(w)).isEqualTo(Tensors.bytes(t.get("w")));
    assertThat(Tensors.isDtype(b, org.bytedeco.pytorch.global.torch.ScalarType.BFloat16)).as("F32 converted to bf16: a copy").isTrue();
    // an in-place write (a LoRA merge) changes private pages only
    w.add_(Tensors.scalar(1.0));
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }
}
