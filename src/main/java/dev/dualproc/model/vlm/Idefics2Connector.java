package dev.dualproc.model.vlm;

import dev.dualproc.model.text.Activation;
import dev.dualproc.engine.Weights;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * connector.modality_projection (a gated MLP from the vision width to the text width, through the text model's
 * intermediate size) then connector.perceiver_resampler (learned latents, depth blocks, final RMSNorm).
 */
final class Idefics2Connector implements Connector {
  final GatedMlp modality_projection;
  final Tensor latents;
  final List<PerceiverLayer> layers = new ArrayList<>();
  final RmsNorm norm;

  Idefics2Connector(Weights w, IdeficsConfig c) {
    TextConfig t = c.text();
    PerceiverConfig p = c.perceiver();
    modality_projection = new GatedMlp(w.scope("modality_projection"), c.vision().hiddenSize(), t.intermediateSize(),
        t.hiddenSize(), Activation.parse("text_config", "hidden_act", t.hiddenAct()), false);
    Weights r = w.scope("perceiver_resampler");
    latents = r.get("latents", p.resamplerNLatents(), p.hiddenSize());
    for (int i = 0; i < p.resamplerDepth(); i++) layers.add(new PerceiverLayer(r.scope("layers").scope(i), p));
    norm = RmsNorm.load(r, "norm", p.hiddenSize(), p.rmsNormEps());
  }

  @Override public Tensor forward(Tensor imageHiddenStates) {
    Tensor context = modality_projection.forward(imageHiddenStates);
    Tensor compressed = latents.unsqueeze(0).expand(context.size(0), latents.size(0), latents.size(1));
    for (PerceiverLayer l : layers) compressed = l.forward(compressed, context);
    return norm.forward(compressed);
  }
}
