package dev.dualproc.model.flux;

import dev.dualproc.engine.ActivationCheckpoint;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Linear;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.Tensors;
import dev.dualproc.engine.Weights;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import static org.bytedeco.pytorch.global.torch.cat;

/**
 * The FLUX.1 transformer (BFL model.py), with fields named as the BFL checkpoint keys. Inputs are packed image tokens
 * and their (0, row, col) ids, text features (T5) with their ids, the pooled vector {@code y} (CLIP), timesteps in
 * [0, 1], and guidance (dev only). The output is the velocity of the image tokens.
 */
public final class Flux {
  private static final Logger log = LoggerFactory.getLogger(Flux.class);

  /** Receives named intermediates of a forward call (the names of tiny-flux-trace); for parity checks and debugging. */
  @FunctionalInterface public interface Probe {
    Probe NONE = (name, t) -> {};
    void record(String name, Tensor t);
  }

  public final FluxParams params;
  final Linear img_in;
  final MLPEmbedder time_in, vector_in, guidance_in; // guidance_in only when params.guidanceEmbed
  final Linear txt_in;
  final EmbedND pe_embedder;
  final List<DoubleStreamBlock> double_blocks = new ArrayList<>();
  final List<SingleStreamBlock> single_blocks = new ArrayList<>();
  final LastLayer final_layer;
  private final Map<String, Linear> linears = new LinkedHashMap<>();
  private final Weights.LoadReport loadReport;
  private final Placement placement;

  /** Builds the model from BFL-named weights (see {@link FluxCheckpoint} for other layouts); fails on a missing or mis-shaped tensor. */
  public Flux(Weights w, FluxParams p) {
    params = p;
    placement = w.placement();
    long h = p.hiddenSize();
    img_in = Ops.linear(w, "img_in", p.inChannels(), h, true, linears);
    time_in = new MLPEmbedder(w.scope("time_in"), 256, h, linears);
    vector_in = new MLPEmbedder(w.scope("vector_in"), p.vecInDim(), h, linears);
    guidance_in = p.guidanceEmbed() ? new MLPEmbedder(w.scope("guidance_in"), 256, h, linears) : null;
    txt_in = Ops.linear(w, "txt_in", p.contextInDim(), h, true, linears);
    pe_embedder = new EmbedND(p.theta(), p.axesDim());
    for (int i = 0; i < p.depth(); i++) double_blocks.add(new DoubleStreamBlock(w.scope("double_blocks").scope(i), p, linears));
    for (int i = 0; i < p.depthSingleBlocks(); i++) single_blocks.add(new SingleStreamBlock(w.scope("single_blocks").scope(i), p, linears));
    final_layer = new LastLayer(w.scope("final_layer"), h, p.outChannels(), linears);
    loadReport = w.report();
    if (loadReport.unmatched().isEmpty()) log.info(loadReport.summary());
    else log.warn(loadReport.summary());
  }

  /** Loads BFL-named tensors from {@code source} onto {@code placement}. */
  public static Flux load(TensorSource source, FluxParams p, Placement placement) {
    return new Flux(new Weights(source, placement), p);
  }

  public Weights.LoadReport loadReport() { return loadReport; }
  public Placement placement() { return placement; }

  /** Every linear layer by its BFL module name (e.g. {@code double_blocks.0.img_attn.qkv}): where LoRA adapters go. */
  public Map<String, Linear> linears() { return Collections.unmodifiableMap(linears); }

  public Linear linear(String bflName) {
    Linear l = linears.get(bflName);
    if (l == null) throw new DualprocException("FLUX has no linear layer '" + bflName + "'");
    return l;
  }

  /** Every weight by its BFL key, the same tensors the model computes with (for gradients, saving, comparisons). */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> sd = new LinkedHashMap<>();
    linears.forEach((name, l) -> {
      sd.put(name + ".weight", l.weight);
      if (l.bias != null) sd.put(name + ".bias", l.bias);
    });
    for (int i = 0; i < double_blocks.size(); i++) {
      DoubleStreamBlock b = double_blocks.get(i);
      putNorm(sd, "double_blocks." + i + ".img_attn.norm", b.img_attn.norm);
      putNorm(sd, "double_blocks." + i + ".txt_attn.norm", b.txt_attn.norm);
    }
    for (int i = 0; i < single_blocks.size(); i++) putNorm(sd, "single_blocks." + i + ".norm", single_blocks.get(i).norm);
    return sd;
  }

  private static void putNorm(Map<String, Tensor> sd, String prefix, QKNorm n) {
    sd.put(prefix + ".query_norm.scale", n.query_norm.scale);
    sd.put(prefix + ".key_norm.scale", n.key_norm.scale);
  }

  public Tensor forward(Tensor img, Tensor img_ids, Tensor txt, Tensor txt_ids, Tensor timesteps, Tensor y, Tensor guidance) {
    return forward(img, img_ids, txt, txt_ids, timesteps, y, guidance, Probe.NONE);
  }

  /** {@code guidance} [B] is required for dev-style models (guidance_embed) and ignored otherwise (may be null). */
  public Tensor forward(Tensor img, Tensor img_ids, Tensor txt, Tensor txt_ids, Tensor timesteps, Tensor y, Tensor guidance, Probe probe) {
    checkInputs(img, img_ids, txt, txt_ids, timesteps, y);
    // activations follow the weights' device and dtype
    img = placement.place(img);
    txt = placement.place(txt);
    Tensor vec = vec(timesteps, y, guidance, probe);
    img = img_in.forward(img);
    probe.record("img_in", img);
    txt = txt_in.forward(txt);
    probe.record("txt_in", txt);
    Tensor pe = pe(img_ids, txt_ids);
    probe.record("pe", pe);
    for (int i = 0; i < double_blocks.size(); i++) {
      Tensor[] it = double_blocks.get(i).forward(img, txt, vec, pe);
      img = it[0];
      txt = it[1];
      probe.record("double_blocks." + i + ".img", img);
      probe.record("double_blocks." + i + ".txt", txt);
    }
    Tensor x = cat(new TensorVector(txt, img), 1);
    for (int i = 0; i < single_blocks.size(); i++) {
      x = single_blocks.get(i).forward(x, vec, pe);
      probe.record("single_blocks." + i, x);
    }
    long nTxt = txt.size(1);
    x = x.narrow(1, nTxt, x.size(1) - nTxt);
    probe.record("final_layer_in", x);
    Tensor out = final_layer.forward(x, vec);
    probe.record("out", out);
    return out;
  }

  /** The modulation vector: time_in(t) (+ guidance_in(g) on dev) + vector_in(y). */
  private Tensor vec(Tensor timesteps, Tensor y, Tensor guidance, Probe probe) {
    Tensor tEmb = TimestepEmbedding.of(placement.place(timesteps), 256);
    probe.record("t_emb", tEmb);
    Tensor vec = time_in.forward(tEmb);
    probe.record("vec_time", vec);
    if (params.guidanceEmbed()) {
      if (guidance == null) throw new DualprocException("this FLUX model has a guidance embedder (dev): pass a guidance value");
      vec = vec.add(guidance_in.forward(TimestepEmbedding.of(placement.place(guidance), 256)));
    }
    vec = vec.add(vector_in.forward(placement.place(y)));
    probe.record("vec", vec);
    return vec;
  }

  // RoPE over [txt; img] ids, kept float32 (the angles are computed in float64)
  private Tensor pe(Tensor img_ids, Tensor txt_ids) {
    return pe_embedder.forward(cat(new TensorVector(txt_ids, img_ids), 1).to(placement.torchDevice(), ScalarType.Float));
  }

  /**
   * The same forward as segments for {@link ActivationCheckpoint#forward}, over the inputs {@code [img, txt]}: the input
   * embedders, each double block, each single block (the first one joins [txt; img]), the final layer; the output is
   * {@code [out]}. vec and pe are computed here once without a graph, so gradients reach the blocks' weights and LoRA
   * and the img/txt inputs, but not y, the timesteps or the (frozen, LoRA-free) embedders of vec.
   */
  public List<ActivationCheckpoint.Segment> segments(Tensor img_ids, Tensor txt_ids, Tensor timesteps, Tensor y, Tensor guidance) {
    Tensor vec, pe;
    try (NoGradGuard g = new NoGradGuard()) {
      vec = vec(timesteps, y, guidance, Probe.NONE).detach();
      pe = pe(img_ids, txt_ids).detach();
    }
    long nTxt = txt_ids.size(1);
    List<ActivationCheckpoint.Segment> s = new ArrayList<>();
    s.add(xs -> List.of(img_in.forward(placement.place(xs.get(0))), txt_in.forward(placement.place(xs.get(1)))));
    for (DoubleStreamBlock b : double_blocks) s.add(xs -> List.of(b.forward(xs.get(0), xs.get(1), vec, pe)));
    for (int i = 0; i < single_blocks.size(); i++) {
      SingleStreamBlock b = single_blocks.get(i);
      if (i == 0) s.add(xs -> List.of(b.forward(cat(new TensorVector(xs.get(1), xs.get(0)), 1), vec, pe)));
      else s.add(xs -> List.of(b.forward(xs.get(0), vec, pe)));
    }
    s.add(xs -> {
      Tensor x = xs.size() == 2 ? cat(new TensorVector(xs.get(1), xs.get(0)), 1) : xs.get(0); // no single blocks
      return List.of(final_layer.forward(x.narrow(1, nTxt, x.size(1) - nTxt), vec));
    });
    return s;
  }

  private void checkInputs(Tensor img, Tensor img_ids, Tensor txt, Tensor txt_ids, Tensor timesteps, Tensor y) {
    int axes = params.axesDim().length;
    long b = img.size(0);
    check(img.dim() == 3 && img.size(2) == params.inChannels(), "img", "[B, L, " + params.inChannels() + "]", img);
    check(img_ids.dim() == 3 && img_ids.size(0) == b && img_ids.size(1) == img.size(1) && img_ids.size(2) == axes, "img_ids",
        "[" + b + ", " + img.size(1) + ", " + axes + "]", img_ids);
    check(txt.dim() == 3 && txt.size(0) == b && txt.size(2) == params.contextInDim(), "txt", "[" + b + ", T, " + params.contextInDim() + "]", txt);
    check(txt_ids.dim() == 3 && txt_ids.size(0) == b && txt_ids.size(1) == txt.size(1) && txt_ids.size(2) == axes, "txt_ids",
        "[" + b + ", " + txt.size(1) + ", " + axes + "]", txt_ids);
    check(timesteps.dim() == 1 && timesteps.size(0) == b, "timesteps", "[" + b + "]", timesteps);
    check(y.dim() == 2 && y.size(0) == b && y.size(1) == params.vecInDim(), "y", "[" + b + ", " + params.vecInDim() + "]", y);
  }

  private static void check(boolean ok, String name, String expected, Tensor t) {
    if (!ok) throw new DualprocException("FLUX input " + name + ": expected shape " + expected + ", got " + Tensors.shapeString(t));
  }
}
