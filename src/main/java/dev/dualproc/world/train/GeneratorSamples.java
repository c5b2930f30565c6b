package dev.dualproc.world.train;

import dev.dualproc.engine.Images;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.Weights;
import dev.dualproc.model.flux.Flux;
import dev.dualproc.model.flux.FluxCond;
import dev.dualproc.model.flux.FluxSampler;
import dev.dualproc.model.text.ClipTextModel;
import dev.dualproc.model.text.T5Encoder;
import dev.dualproc.world.Captions;
import dev.dualproc.world.SceneRenderer;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;
import static org.bytedeco.pytorch.global.torch.cat;

/**
 * A progress picture for long runs: held-out scenes in the top row and, below, what the model makes of them: the
 * autoencoder's reconstructions during its phase, then the EMA model's generations from their captions.
 */
final class GeneratorSamples {
  private GeneratorSamples() {}

  static final int COUNT = 8;

  static void write(GeneratorTrainer t, Path file) {
    GeneratorConfig cfg = t.cfg;
    List<BufferedImage> top = new ArrayList<>(), bottom = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    TensorVector scenes = new TensorVector();
    for (int i = 0; i < COUNT; i++) {
      SceneRenderer.Rendered r = SceneRenderer.render(GeneratorTrainer.HELD_OUT_FIRST_SEED + i, cfg.size(), cfg.size());
      top.add(r.image());
      captions.add(Captions.caption(r.truth()));
      scenes.push_back(Images.toTensor(r.image()));
    }
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor images = StepScope.compute(() -> t.latentScaleFitted() ? generate(t, captions) : t.ae.decoder.forward(
          t.ae.moments(t.placement.place(cat(scenes, 0))).narrow(1, 0, cfg.ae().zChannels())));
      for (int i = 0; i < COUNT; i++) bottom.add(Images.toImage(images.select(0, i).clamp(
          new org.bytedeco.pytorch.ScalarOptional(new org.bytedeco.pytorch.Scalar(-1.0)),
          new org.bytedeco.pytorch.ScalarOptional(new org.bytedeco.pytorch.Scalar(1.0)))));
    }
    Map<String, String> text = new LinkedHashMap<>();
    text.put("what", t.latentScaleFitted() ? "held-out scenes (top) and EMA generations from their captions (bottom)"
        : "held-out scenes (top) and autoencoder reconstructions (bottom)");
    text.put("ae_step", Long.toString(t.aeStep));
    text.put("step", Long.toString(t.step));
    for (int i = 0; i < COUNT; i++) text.put("caption_" + i, captions.get(i));
    Images.writePng(file, grid(top, bottom), text);
  }

  /** The EMA weights' generations of {@code captions}, noise seeded by the held-out scene seeds: [n, 3, S, S]. */
  private static Tensor generate(GeneratorTrainer t, List<String> captions) {
    GeneratorConfig cfg = t.cfg;
    Placement fp32 = new Placement(t.placement.device(), ScalarType.Float);
    Flux flux = new Flux(new Weights(ParameterSet.view(t.ema, "ema transformer", "transformer."), fp32), cfg.flux());
    T5Encoder t5 = T5Encoder.load(t.t5Config, new Weights(ParameterSet.view(t.ema, "ema text_encoder_2", "text_encoder_2."), fp32));
    ClipTextModel clip = ClipTextModel.load(t.clipConfig, new Weights(ParameterSet.view(t.ema, "ema text_encoder", "text_encoder."), fp32));
    long[][] t5Rows = new long[captions.size()][], clipRows = new long[captions.size()][];
    TensorVector noise = new TensorVector();
    int f = cfg.ae().downFactor();
    for (int i = 0; i < captions.size(); i++) {
      t5Rows[i] = t.t5Tok.encode(captions.get(i), cfg.t5MaxLength(), true);
      clipRows[i] = t.clipTok.encode(captions.get(i), cfg.clipMaxLength(), true);
      noise.push_back(Rng.normal(GeneratorTrainer.HELD_OUT_FIRST_SEED + i, 1, cfg.ae().zChannels(), cfg.size() / f, cfg.size() / f));
    }
    FluxCond c = FluxCond.of(t5.encode(t5Rows), clip.pooled(clipRows));
    Tensor latent = FluxSampler.schnell(flux, cfg.sampleSteps()).sample(t.placement.place(cat(noise, 0)), c);
    return t.ae.decode(latent);
  }

  static BufferedImage grid(List<BufferedImage> top, List<BufferedImage> bottom) {
    int w = top.get(0).getWidth(), h = top.get(0).getHeight(), gap = 2;
    BufferedImage out = new BufferedImage(top.size() * (w + gap) - gap, 2 * h + gap, BufferedImage.TYPE_INT_RGB);
    var g = out.createGraphics();
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, out.getWidth(), out.getHeight());
    for (int i = 0; i < top.size(); i++) {
      g.drawImage(top.get(i), i * (w + gap), 0, null);
      g.drawImage(bottom.get(i), i * (w + gap), h + gap, null);
    }
    g.dispose();
    return out;
  }
}
