package dev.dualproc.model.flux;

import dev.dualproc.engine.Weights;
import org.bytedeco.pytorch.Tensor;

/** BFL QKNorm: RMS norms of the queries and keys (per head), cast to v's dtype. */
final class QKNorm {
  final RMSNorm query_norm, key_norm;

  QKNorm(Weights w, long headDim) {
    query_norm = new RMSNorm(w.scope("query_norm"), headDim);
    key_norm = new RMSNorm(w.scope("key_norm"), headDim);
  }

  Tensor[] forward(Tensor q, Tensor k, Tensor v) {
    return new Tensor[] {query_norm.forward(q).to(v.scalar_type()), key_norm.forward(k).to(v.scalar_type())};
  }
}
