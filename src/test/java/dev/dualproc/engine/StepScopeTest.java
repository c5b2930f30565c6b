package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class StepScopeTest {
  @Test void temporariesAreFreedAndTheResultSurvives() {
    AtomicReference<Tensor> temp = new AtomicReference<>();
    AtomicReference<Long> resultData = new AtomicReference<>();
    Tensor out = StepScope.compute(() -> {
      Tensor a = Rng.normal(1, 4, 4);
      temp.set(a);
      Tensor r = a.matmul(a).add(Tensors.scalar(1));
      resultData.set(r.data_ptr().address());
      return r;
    });
    assertThat(temp.get().isNull()).as("temporary freed at the end of the step").isTrue();
    assertThat(out.defined()).isTrue();
    assertThat(out.data_ptr().address()).as("same storage, not a copy").isEqualTo(resultData.get());
    Tensor a = Rng.normal(1, 4, 4);
    assertThat(Tensors.maxAbsDiff(out, a.matmul(a).add(Tensors.scalar(1)))).isZero();
  }

  @Test void valueReturnsTheScalar() {
    assertThat(StepScope.value(() -> Tensors.fromFloats(new float[] {1, 2, 3.5f}, 3).sum())).isEqualTo(6.5);
  }
}
