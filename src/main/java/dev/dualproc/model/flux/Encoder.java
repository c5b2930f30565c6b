package dev.dualproc.model.flux;

import dev.dualproc.engine.Weights;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.silu;

/** The BFL autoencoder's encoder: image -> moments (mean and log-variance, 2 * z_channels). Keys {@code encoder.*}. */
public final class Encoder {
  /** One resolution level: {@code down.N.block.M} and, for all but the last level, {@code down.N.downsample}. */
  record Level(List<ResnetBlock> block, Downsample downsample) {}

  final Conv2d convIn;
  final List<Level> down;
  final ResnetBlock midBlock1, midBlock2;
  final AttnBlock midAttn1;
  final GroupNorm normOut;
  final Conv2d convOut;

  private Encoder(Conv2d convIn, List<Level> down, ResnetBlock midBlock1, AttnBlock midAttn1, ResnetBlock midBlock2,
      GroupNorm normOut, Conv2d convOut) {
    this.convIn = convIn; this.down = down; this.midBlock1 = midBlock1; this.midAttn1 = midAttn1; this.midBlock2 = midBlock2;
    this.normOut = normOut; this.convOut = convOut;
  }

  static Encoder load(Weights w, AutoEncoderParams p) {
    Conv2d convIn = Conv2d.load(w, "conv_in", p.inChannels(), p.ch(), 3, 1, 1);
    List<Level> down = new ArrayList<>();
    long blockIn = p.ch();
    for (int i = 0; i < p.levels(); i++) {
      Weights level = w.scope("down").scope(i);
      List<ResnetBlock> blocks = new ArrayList<>();
      long blockOut = p.channels(i);
      for (int j = 0; j < p.numResBlocks(); j++) {
        blocks.add(ResnetBlock.load(level.scope("block").scope(j), blockIn, blockOut));
        blockIn = blockOut;
      }
      down.add(new Level(List.copyOf(blocks), i == p.levels() - 1 ? null : Downsample.load(level.scope("downsample"), blockIn)));
    }
    Weights mid = w.scope("mid");
    return new Encoder(convIn, List.copyOf(down), ResnetBlock.load(mid.scope("block_1"), blockIn, blockIn),
        AttnBlock.load(mid.scope("attn_1"), blockIn), ResnetBlock.load(mid.scope("block_2"), blockIn, blockIn),
        GroupNorm.load(w, "norm_out", blockIn), Conv2d.load(w, "conv_out", blockIn, 2L * p.zChannels(), 3, 1, 1));
  }

  /** x [B, in_channels, H, W] -> moments [B, 2 * z_channels, H / f, W / f]. */
  public Tensor forward(Tensor x) {
    Tensor h = convIn.forward(x);
    for (Level level : down) {
      for (ResnetBlock b : level.block()) h = b.forward(h);
      if (level.downsample() != null) h = level.downsample().forward(h);
    }
    h = midBlock2.forward(midAttn1.forward(midBlock1.forward(h)));
    return convOut.forward(silu(normOut.forward(h)));
  }
}
