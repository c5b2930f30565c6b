package dev.dualproc.model.flux;

import dev.dualproc.engine.Weights;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.silu;

/**
 * The BFL autoencoder's decoder: latent -> image. Keys {@code decoder.*}; {@code up.N} is stored by resolution level,
 * so the deepest level {@code up.(levels-1)} runs first.
 */
public final class Decoder {
  /** One level: {@code up.N.block.M} (num_res_blocks + 1 of them) and, for all but level 0, {@code up.N.upsample}. */
  record Level(List<ResnetBlock> block, Upsample upsample) {}

  final Conv2d convIn;
  final ResnetBlock midBlock1, midBlock2;
  final AttnBlock midAttn1;
  final List<Level> up; // index = level, as in the checkpoint
  final GroupNorm normOut;
  final Conv2d convOut;

  private Decoder(Conv2d convIn, ResnetBlock midBlock1, AttnBlock midAttn1, ResnetBlock midBlock2, List<Level> up,
      GroupNorm normOut, Conv2d convOut) {
    this.convIn = convIn; this.midBlock1 = midBlock1; this.midAttn1 = midAttn1; this.midBlock2 = midBlock2; this.up = up;
    this.normOut = normOut; this.convOut = convOut;
  }

  static Decoder load(Weights w, AutoEncoderParams p) {
    long blockIn = p.channels(p.levels() - 1);
    Conv2d convIn = Conv2d.load(w, "conv_in", p.zChannels(), blockIn, 3, 1, 1);
    Weights mid = w.scope("mid");
    ResnetBlock b1 = ResnetBlock.load(mid.scope("block_1"), blockIn, blockIn);
    AttnBlock a1 = AttnBlock.load(mid.scope("attn_1"), blockIn);
    ResnetBlock b2 = ResnetBlock.load(mid.scope("block_2"), blockIn, blockIn);
    List<Level> reversed = new ArrayList<>();
    for (int i = p.levels() - 1; i >= 0; i--) {
      Weights level = w.scope("up").scope(i);
      List<ResnetBlock> blocks = new ArrayList<>();
      long blockOut = p.channels(i);
      for (int j = 0; j <= p.numResBlocks(); j++) {
        blocks.add(ResnetBlock.load(level.scope("block").scope(j), blockIn, blockOut));
        blockIn = blockOut;
      }
      reversed.add(new Level(List.copyOf(blocks), i == 0 ? null : Upsample.load(level.scope("upsample"), blockIn)));
    }
    Collections.reverse(reversed);
    return new Decoder(convIn, b1, a1, b2, List.copyOf(reversed), GroupNorm.load(w, "norm_out", blockIn),
        Conv2d.load(w, "conv_out", blockIn, p.outCh(), 3, 1, 1));
  }

  /** z [B, z_channels, h, w] (unscaled) -> image [B, out_ch, h * f, w * f]. */
  public Tensor forward(Tensor z) {
    Tensor h = z;
    for (UnaryOperator<Tensor> s : segments()) h = s.apply(h);
    return h;
  }

  /** The forward pass in pieces (conv_in and mid, each up level deepest first, the output head): checkpoint boundaries. */
  public List<UnaryOperator<Tensor>> segments() {
    List<UnaryOperator<Tensor>> s = new ArrayList<>();
    s.add(z -> midBlock2.forward(midAttn1.forward(midBlock1.forward(convIn.forward(z)))));
    for (int i = up.size() - 1; i >= 0; i--) {
      Level level = up.get(i);
      s.add(h -> {
        for (ResnetBlock b : level.block()) h = b.forward(h);
        return level.upsample() == null ? h : level.upsample().forward(h);
      });
    }
    s.add(h -> convOut.forward(silu(normOut.forward(h))));
    return s;
  }
}
