package dev.dualproc.model.flux;

import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Placement;
import dev.dualproc.engine.TensorSource;
import dev.dualproc.engine.Tensors;
import dev.dualproc.engine.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FLUX autoencoder (BFL {@code AutoEncoder}): {@code encode} maps an image in [-1, 1] to the scaled, shifted mean
 * latent (no sampling), {@code decode} maps a latent back to an image; decode is differentiable in its input (the
 * teaching step backpropagates through it), the weights are frozen. Load it with {@link AutoEncoderFiles#load}.
 * Load outside any step scope: the weights must outlive it.
 */
public final class AutoEncoder {
  private static final Logger LOG = LoggerFactory.getLogger(AutoEncoder.class);

  public final AutoEncoderParams params;
  public final Encoder encoder;
  public final Decoder decoder;
  private final Placement placement;
  private final Weights.LoadReport report;

  private AutoEncoder(AutoEncoderParams params, Encoder encoder, Decoder decoder, Placement placement, Weights.LoadReport report) {
    this.params = params; this.encoder = encoder; this.decoder = decoder; this.placement = placement; this.report = report;
  }

  /** Builds the modules from BFL-named tensors ({@code encoder.*}, {@code decoder.*}); missing or mis-shaped ones fail. */
  public static AutoEncoder load(TensorSource bflNamed, AutoEncoderParams params, Placement placement) {
    Weights w = new Weights(bflNamed, placement);
    Encoder enc = Encoder.load(w.scope("encoder"), params);
    Decoder dec = Decoder.load(w.scope("decoder"), params);
    Weights.LoadReport r = w.report();
    LOG.info("autoencoder {}", r.summary());
    if (!r.unmatched().isEmpty()) LOG.warn("autoencoder: {} tensors in {} are not used by {}", r.unmatched().size(), r.origin(), params);
    return new AutoEncoder(params, enc, dec, placement, r);
  }

  public Weights.LoadReport report() { return report; }
  public Placement placement() { return placement; }

  /** image [B, in_channels, H, W] in [-1, 1] -> z = scale_factor * (mean - shift_factor), [B, z_channels, H/f, W/f]; no grad. */
  public Tensor encode(Tensor image) {
    check(image, params.inChannels(), "image");
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor mean = moments(image).narrow(1, 0, params.zChannels());
      return Tensors.mul(Tensors.add(mean, -params.shiftFactor()), params.scaleFactor());
    }
  }

  /** The encoder output [B, 2 * z_channels, H/f, W/f]: mean channels first, then log-variance. */
  public Tensor moments(Tensor image) {
    check(image, params.inChannels(), "image");
    return encoder.forward(placement.place(image));
  }

  /** z [B, z_channels, h, w] -> image [B, out_ch, h*f, w*f] (not clamped); keeps the autograd graph of z. */
  public Tensor decode(Tensor z) {
    check(z, params.zChannels(), "latent");
    return decoder.forward(unscale(z));
  }

  /**
   * {@link #decode} in pieces for {@code ActivationCheckpoint.of(ae.decodeSegments(), z)}: the same image and
   * gradient, keeping only the level boundaries instead of every activation of a large image.
   */
  public List<UnaryOperator<Tensor>> decodeSegments() {
    List<UnaryOperator<Tensor>> s = new ArrayList<>(decoder.segments());
    UnaryOperator<Tensor> first = s.get(0);
    s.set(0, z -> {
      check(z, params.zChannels(), "latent");
      return first.apply(unscale(z));
    });
    return s;
  }

  private Tensor unscale(Tensor z) {
    return Tensors.add(Tensors.mul(placement.place(z), 1.0 / params.scaleFactor()), params.shiftFactor());
  }

  private static void check(Tensor t, int channels, String what) {
    if (t.dim() != 4 || t.size(1) != channels)
      throw new DualprocException("autoencoder: " + what + " must be [B, " + channels + ", H, W], got " + Tensors.shapeString(t));
  }
}
