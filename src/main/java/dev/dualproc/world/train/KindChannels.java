package dev.dualproc.world.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.Tensors;
import dev.dualproc.world.Kind;
import dev.dualproc.world.SceneObject;
import dev.dualproc.world.SceneTruth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.zeros;

/**
 * Kind channels: latent channels after the autoencoder's image channels that say, per latent cell, which share of its
 * pixels each object kind covers (one channel per {@link Kind}, {@link #VALUE} for a full cell, 0 for none, in the
 * transformer's scaled units). Why: the transformer draws captioned colours where they belong but ignores the kind
 * word, because a kind is a few pixels of shape that noise erases early; as a coarse map of its own, a kind is as loud
 * and as low-frequency as a colour, so the flow loss pays for the wrong kind at every noise level the colour shows
 * through, and the decoder draws the shape from it. The renderer's truth gives the map when training; the encoder
 * learns it for round trips. Configs with kind channels grow an 8-channel export ({@link #growAutoEncoder},
 * {@link #growTransformer}): the image channels encode, decode and move as before while the kind channels are zero.
 */
public final class KindChannels {
  public static final int COUNT = Kind.values().length;
  /** A cell that one kind covers whole, in scaled latent units: about two noise standard deviations, visible to t ~ 0.8. */
  public static final double VALUE = 2.0;
  /** The encoder's log-variance of the kind channels (a near-deterministic posterior, as the map is a fact of the image). */
  static final double LOGVAR = -12.0;
  /** The new img_in columns' standard deviation, as a share of the existing columns'. */
  static final double READ_INIT = 0.5;
  private static final ObjectMapper JSON = new ObjectMapper();

  private KindChannels() {}

  /** The kind channels a pipeline's model_index.json records (0 when it has none). */
  public static int of(Path pipeline) {
    Path index = pipeline.resolve("model_index.json");
    if (!Files.isRegularFile(index)) return 0;
    try {
      int k = JSON.readTree(index.toFile()).path("dualproc").path("kind_channels").asInt(0);
      if (k != 0 && k != COUNT) throw new DualprocException(index + ": dualproc.kind_channels is " + k + ", expected 0 or " + COUNT);
      return k;
    } catch (IOException e) {
      throw new DualprocException(index + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Per kind, per latent cell (row-major, {@code latent} x {@code latent} cells over the image), the share of the
   * cell's pixels that an object of that kind owns: the pixels whose depth is the object's (the renderer writes each
   * object's depth on what it draws), the topmost object first where two share a depth.
   */
  public static float[] coverage(SceneTruth t, int latent) {
    if (t.width() % latent != 0 || t.height() != t.width())
      throw new DualprocException("kind channels: a " + t.width() + "x" + t.height() + " scene does not tile a " + latent + "x" + latent + " latent");
    int cell = t.width() / latent;
    float[] out = new float[COUNT * latent * latent];
    List<SceneObject> objects = t.objects();
    float[][] depth = t.depth();
    float share = 1f / (cell * cell);
    for (int y = 0; y < t.height(); y++)
      for (int x = 0; x < t.width(); x++)
        for (int k = objects.size() - 1; k >= 0; k--) {
          SceneObject o = objects.get(k);
          if (depth[y][x] == o.depth()) {
            out[(o.kind().ordinal() * latent + y / cell) * latent + x / cell] += share;
            break;
          }
        }
    return out;
  }

  /** The kind channels of each scene in scaled units, [n, COUNT, latent, latent]. */
  public static Tensor scaled(List<SceneTruth> truths, int latent) {
    int per = COUNT * latent * latent;
    float[] all = new float[truths.size() * per];
    for (int i = 0; i < truths.size(); i++) {
      float[] c = coverage(truths.get(i), latent);
      for (int j = 0; j < per; j++) all[i * per + j] = (float) (VALUE * c[j]);
    }
    return Tensors.fromFloats(all, truths.size(), COUNT, latent, latent);
  }

  /** {@code latent}'s last {@link #COUNT} channels replaced by the scenes' kind channels (scaled units, same device). */
  public static Tensor withTruth(Tensor latent, List<SceneTruth> truths) {
    long c = latent.size(1);
    if (c <= COUNT) throw new DualprocException("kind channels: a " + c + "-channel latent has no image channels before its " + COUNT + " kind channels");
    Tensor kinds = scaled(truths, (int) latent.size(2)).to(latent.device(), latent.scalar_type());
    return cat(new TensorVector(latent.narrow(1, 0, c - COUNT), kinds), 1);
  }

  /**
   * An autoencoder's BFL weights with {@link #COUNT} more latent channels: the encoder's conv_out gains zero mean rows
   * (after the image means) and log-variance rows at {@link #LOGVAR}, the decoder's conv_in zero input columns, so
   * the image channels encode and decode exactly as before and the kind channels start unread.
   */
  public static void growAutoEncoder(Map<String, Tensor> bfl, int zFrom) {
    Tensor w = need(bfl, "encoder.conv_out.weight"), b = need(bfl, "encoder.conv_out.bias");
    if (w.size(0) != 2L * zFrom) throw new DualprocException("kind channels: encoder.conv_out has " + w.size(0) + " outputs, expected " + 2 * zFrom);
    long in = w.size(1), k = w.size(2);
    Tensor zw = zeros(new long[] {COUNT, in, k, k}).to(w.device(), w.scalar_type()), zb = zeros(new long[] {COUNT}).to(b.device(), b.scalar_type());
    bfl.put("encoder.conv_out.weight", cat(new TensorVector(w.narrow(0, 0, zFrom), zw, w.narrow(0, zFrom, zFrom), zw), 0).contiguous());
    bfl.put("encoder.conv_out.bias", cat(new TensorVector(b.narrow(0, 0, zFrom), zb, b.narrow(0, zFrom, zFrom), zb.add(Tensors.scalar(LOGVAR))), 0).contiguous());
    Tensor d = need(bfl, "decoder.conv_in.weight");
    if (d.size(1) != zFrom) throw new DualprocException("kind channels: decoder.conv_in reads " + d.size(1) + " channels, expected " + zFrom);
    bfl.put("decoder.conv_in.weight", cat(new TensorVector(d, zeros(new long[] {d.size(0), COUNT, d.size(2), d.size(3)}).to(d.device(), d.scalar_type())), 1).contiguous());
  }

  /**
   * A transformer's BFL weights ("transformer." prefix) reading and writing {@link #COUNT} more latent channels: the
   * packed features of the new channels come last (FLUX packs channel-major); img_in gains random input columns
   * ({@link #READ_INIT} of its columns' standard deviation, seeded) and final_layer.linear zero output rows, so the
   * image channels' velocity is unchanged while the kind channels are zero and the kind channels' starts at 0. Zero
   * columns would leave both ends of the new path at zero, where neither gets a gradient through the other: a first
   * run that way did not lower the loss of the kind channels in 370 steps.
   */
  public static void growTransformer(Map<String, Tensor> m, int zFrom, long seed) {
    long from = 4L * zFrom, add = 4L * COUNT;
    Tensor in = need(m, "transformer.img_in.weight");
    if (in.size(1) != from) throw new DualprocException("kind channels: transformer.img_in reads " + in.size(1) + " features, expected " + from);
    double std = Tensors.item(in.std()) * READ_INIT;
    Tensor read = Rng.normal(seed, in.size(0), add).mul(Tensors.scalar(std)).to(in.device(), in.scalar_type());
    m.put("transformer.img_in.weight", cat(new TensorVector(in, read), 1).contiguous());
    Tensor out = need(m, "transformer.final_layer.linear.weight"), bias = need(m, "transformer.final_layer.linear.bias");
    m.put("transformer.final_layer.linear.weight", cat(new TensorVector(out, zeros(new long[] {add, out.size(1)}).to(out.device(), out.scalar_type())), 0).contiguous());
    m.put("transformer.final_layer.linear.bias", cat(new TensorVector(bias, zeros(new long[] {add}).to(bias.device(), bias.scalar_type())), 0).contiguous());
  }

  private static Tensor need(Map<String, Tensor> m, String key) {
    Tensor t = m.get(key);
    if (t == null) throw new DualprocException("kind channels: no " + key + " to grow");
    return t;
  }
}
