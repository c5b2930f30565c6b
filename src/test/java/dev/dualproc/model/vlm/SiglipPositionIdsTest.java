package dev.dualproc.model.vlm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Tensors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Position ids for patch grids other than the trained one: fractional coordinates bucketed into the trained grid. */
class SiglipPositionIdsTest {
  @Test void theTrainedGridIsTheIdentity() {
    assertThat(Tensors.longs(SiglipVisionEmbeddings.positionIds(4, 4, 4))).containsExactly(LongStream.range(0, 16).toArray());
  }

  @Test void aLargerGridRepeatsTrainedPositions() {
    // 8 coordinates 0, 1/8, ..., 7/8 into 4 buckets with boundaries 1/4, 1/2, 3/4: 0 0 1 1 2 2 3 3
    long[] rows = {0, 0, 1, 1, 2, 2, 3, 3};
    long[] expected = new long[64];
    for (int h = 0; h < 8; h++) for (int w = 0; w < 8; w++) expected[h * 8 + w] = rows[h] * 4 + rows[w];
    assertThat(Tensors.longs(SiglipVisionEmbeddings.positionIds(8, 8, 4))).containsExactly(expected);
  }

  @Test void aSmallerNonSquareGridSkipsTrainedPositions() {
    // rows: 0, 1/2 -> buckets 0, 2; columns: 0, 1/3, 2/3 -> 0, 1, 2 (of boundaries 1/4, 1/2, 3/4)
    assertThat(Tensors.longs(SiglipVisionEmbeddings.positionIds(2, 3, 4))).containsExactly(0, 1, 2, 8, 9, 10);
  }
}
