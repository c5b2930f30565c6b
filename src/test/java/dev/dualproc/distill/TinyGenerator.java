package dev.dualproc.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.*;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import static org.bytedeco.pytorch.global.torch.*;

/**
 * TEST FIXTURE, not a model: a tiny rectified-flow generator made of real libtorch ops, so that the teaching loop's
 * mechanics (grad through one step and the decoder, rollout, LoRA, checkpoints) can be tested in milliseconds. Latent:
 * 4x4 tokens of 4 channels; v = proj_out(gelu(img_in(z) + txt_in(txt) + sigma)); x0 = z - sigma * v; the decoder is a
 * 3x3 conv to RGB, bilinear upsampling and tanh. LoRA goes on img_in and proj_out. Its "model folder" holds
 * tiny-generator.json: {seed, size, steps, step_delay_ms}.
 */
final class TinyGenerator implements Generator {
  static final String CONFIG = "tiny-generator.json";
  static final int GRID = 4, CHANNELS = 4, HIDDEN = 16, TEXT = 8;

  private final String identity;
  private final int size, steps;
  private final long stepDelayMs;
  private final Linear imgIn, txtIn, projOut;
  private final Tensor decoderWeight, decoderBias;
  private final double[] sigmas;
  private LoraSet lora = new LoraSet(0, 0);

  TinyGenerator(String identity, long seed, int size, int steps, long stepDelayMs) {
    this.identity = identity; this.size = size; this.steps = steps; this.stepDelayMs = stepDelayMs;
    var g = Rng.generator(seed);
    imgIn = new Linear(keep(Rng.normal(g, HIDDEN, CHANNELS).mul(Tensors.scalar(0.5))), keep(Rng.normal(g, HIDDEN).mul(Tensors.scalar(0.1))));
    txtIn = new Linear(keep(Rng.normal(g, HIDDEN, TEXT).mul(Tensors.scalar(0.3))), null);
    projOut = new Linear(keep(Rng.normal(g, CHANNELS, HIDDEN).mul(Tensors.scalar(0.25))), keep(Rng.normal(g, CHANNELS).mul(Tensors.scalar(0.1))));
    decoderWeight = keep(Rng.normal(g, 3, CHANNELS, 3, 3).mul(Tensors.scalar(0.3)));
    decoderBias = keep(Rng.normal(g, 3).mul(Tensors.scalar(0.1)));
    sigmas = new double[steps + 1];
    for (int k = 0; k < steps; k++) sigmas[k] = 1.0 - (1.0 - 1.0 / steps) * k / Math.max(1, steps - 1); // linspace(1, 1/N, N)
    sigmas[steps] = 0;
  }

  static TinyGenerator open(Path folder) {
    try {
      JsonNode c = new ObjectMapper().readTree(folder.resolve(CONFIG).toFile());
      return new TinyGenerator("tiny-test-generator:" + folder.getFileName(), c.path("seed").asLong(1), c.path("size").asInt(16),
          c.path("steps").asInt(1), c.path("step_delay_ms").asLong(0));
    } catch (java.io.IOException e) {
      throw new DualprocException(folder + ": not a tiny test generator (" + e.getMessage() + ")");
    }
  }

  private static Tensor keep(Tensor t) { return t.detach().contiguous(); }

  @Override public String identity() { return identity; }
  @Override public int width() { return size; }
  @Override public int height() { return size; }
  @Override public int steps() { return steps; }
  @Override public boolean oneStepFromNoise() { return steps == 1; }

  @Override public Conditioning encode(String prompt) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("txt", Rng.normal(prompt.hashCode() & 0x7fffffffL, 1, 1, TEXT));
    return new Conditioning(prompt, m);
  }

  @Override public Tensor noise(long seed) { return Rng.normal(seed, 1, GRID * GRID, CHANNELS); }

  private Tensor velocity(Tensor z, Conditioning c, double sigma) {
    Tensor h = imgIn.forward(z).add(txtIn.forward(c.get("txt"))).add(Tensors.scalar(sigma));
    return projOut.forward(gelu(h));
  }

  @Override public Tensor rollout(Tensor noise, Conditioning c, int stepIndex) {
    Tensor z = noise;
    for (int k = 0; k < stepIndex; k++) z = z.add(velocity(z, c, sigmas[k]).mul(Tensors.scalar(sigmas[k + 1] - sigmas[k])));
    return z;
  }

  @Override public Tensor x0Image(Tensor zt, Conditioning c, int stepIndex) {
    if (stepDelayMs > 0) try { Thread.sleep(stepDelayMs); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    return decode(x0Latent(zt, c, stepIndex));
  }

  @Override public Tensor x0Latent(Tensor zt, Conditioning c, int stepIndex) {
    double sigma = sigmas[stepIndex];
    return zt.sub(velocity(zt, c, sigma).mul(Tensors.scalar(sigma)));
  }

  @Override public Tensor denoised(Tensor latent, Tensor noise, int stepIndex, Conditioning c) {
    double sigma = sigmas[stepIndex];
    try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
      return x0Latent(latent.detach().mul(Tensors.scalar(1 - sigma)).add(noise.mul(Tensors.scalar(sigma))), c, stepIndex);
    }
  }

  @Override public Tensor generate(Conditioning c, long seed) {
    try (var g = new org.bytedeco.pytorch.NoGradGuard()) { return decode(rollout(noise(seed), c, steps)); }
  }

  @Override public Tensor decode(Tensor x0) {
    Tensor grid = x0.permute(0, 2, 1).reshape(1, CHANNELS, GRID, GRID);
    Tensor rgb = conv2d(grid, decoderWeight, new TensorOptional(decoderBias), new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1}, 1);
    return upsample_bilinear2d(rgb, new long[] {size, size}, false).tanh();
  }

  @Override public LoraSet attachLora(int rank, double alpha, long initSeed) {
    if (!lora.isEmpty()) return lora;
    lora = new LoraSet(rank, alpha);
    var g = Rng.generator(initSeed);
    lora.add(imgIn.addLora("img_in", rank, alpha, g));
    lora.add(projOut.addLora("proj_out", rank, alpha, g));
    return lora;
  }

  @Override public LoraSet lora() { return lora; }

  @Override public void close() {}
}
