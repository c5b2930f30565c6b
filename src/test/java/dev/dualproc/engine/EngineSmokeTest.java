package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineSmokeTest {
  @Test void writesReadsAndAppliesLora(@TempDir Path dir) {
    Tensor w = Rng.normal(1, 6, 4);
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("layer.weight", w);
    m.put("layer.bias", Rng.normal(2, 6));
    Path f = dir.resolve("a.safetensors");
    SafeTensorsWriter.write(f, m, Map.of("k", "v"));
    try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
      assertThat(st.metadata()).containsEntry("k", "v");
      Weights ws = new Weights(st, Placement.cpu());
      Linear lin = Linear.load(ws, "layer", 4, 6, true);
      assertThat(Tensors.floats(lin.weight)).containsExactly(Tensors.floats(w));
      Tensor x = Rng.normal(3, 2, 4);
      Tensor base = lin.forward(x);
      Lora q = lin.addLora("to_q", 0, 3, 2, 4.0, Rng.generator(7));
      lin.addLora("to_v", 3, 6, 2, 4.0, Rng.generator(8));
      q.B.detach().add_(Tensors.scalar(0.5)); // in-place on the leaf's storage, so dW != 0
      Tensor withLora = lin.forward(x);
      assertThat(Tensors.maxAbsDiff(withLora, base)).isGreaterThan(1e-3);
      Tensor dq = withLora.sub(base).narrow(1, 0, 3);
      assertThat(Tensors.maxAbsDiff(dq, x.matmul(q.deltaWeight().t()))).isLessThan(1e-5);
      assertThat(Tensors.maxAbsDiff(withLora.sub(base).narrow(1, 3, 3), x.matmul(lin.adapters().get(1).deltaWeight().t()))).isLessThan(1e-6);
      assertThat(ws.report().unmatched()).isEmpty();
    }
  }
}
