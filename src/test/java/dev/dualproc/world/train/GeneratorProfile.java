package dev.dualproc.world.train;

import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Rng;
import dev.dualproc.engine.StepScope;
import dev.dualproc.engine.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import static org.bytedeco.pytorch.global.torch.sigmoid;

/** Where a transformer step's time goes: {@code GeneratorProfile CONFIG REPS}. Not a test. */
public final class GeneratorProfile {
  public static void main(String[] args) throws Exception {
    GeneratorConfig cfg = GeneratorConfig.named(args[0]);
    int reps = Integer.parseInt(args[1]);
    Path state = Files.createTempDirectory("genprof");
    GeneratorTrainer t = GeneratorTrainer.open(state, cfg, 0, Placement.cpu());
    t.aeStep = cfg.aeSteps();
    t.fitLatentScale();
    t.bf16 = "1".equals(System.getenv("PROFILE_BF16")); // the transformer's forward in bf16 autocast (--bf16)
    double[] acc = new double[8];
    for (int rep = 0; rep <= reps; rep++) {
      final int r = rep;
      double[] s = new double[8];
      StepScope.run(() -> {
        long a = System.nanoTime();
        List<String> caps = new ArrayList<>();
        Tensor images = t.scenes(1000 + r * 100L, cfg.batch(), caps);
        long b = System.nanoTime();
        Tensor x0;
        try (NoGradGuard g = new NoGradGuard()) { x0 = t.ae.encode(images); }
        long c = System.nanoTime();
        long[][] t5 = new long[cfg.batch()][], cl = new long[cfg.batch()][];
        for (int i = 0; i < cfg.batch(); i++) { t5[i] = t.t5Tok.encode(caps.get(i), cfg.t5MaxLength(), true); cl[i] = t.clipTok.encode(caps.get(i), cfg.clipMaxLength(), true); }
        long d = System.nanoTime();
        var gen = Rng.generator(r);
        Tensor noise = Rng.normal(gen, Tensors.shape(x0)), tt = sigmoid(Rng.normal(gen, cfg.batch()));
        Tensor loss = t.flowLoss(x0, noise, tt, t5, cl);
        long e = System.nanoTime();
        t.opt.zeroGrad();
        loss.backward();
        long f = System.nanoTime();
        t.opt.step();
        long g2 = System.nanoTime();
        // the transformer alone, text features detached
        Tensor txt = t.t5.encode(t5).detach(), vec = t.clip.pooled(cl).detach();
        long h0 = System.nanoTime();
        long bb = x0.size(0), hh = x0.size(2) / 2, ww = x0.size(3) / 2;
        Tensor xt = x0.add(noise.sub(x0).mul(tt.view(bb, 1, 1, 1)));
        Tensor v = t.flux.forward(dev.dualproc.model.flux.LatentPacking.pack(xt), dev.dualproc.model.flux.LatentPacking.imgIds(bb, hh, ww), txt,
            dev.dualproc.model.flux.LatentPacking.txtIds(bb, txt.size(1)), tt, vec, null);
        Tensor l2 = v.square().mean();
        long h1 = System.nanoTime();
        t.opt.zeroGrad();
        l2.backward();
        long h2 = System.nanoTime();
        s[6] = h1 - h0; s[7] = h2 - h1;
        s[0] = b - a; s[1] = c - b; s[2] = d - c; s[3] = e - d; s[4] = f - e; s[5] = g2 - f;
      });
      if (rep > 0) for (int i = 0; i < 8; i++) acc[i] += s[i] / 1e9 / reps;
    }
    System.out.printf(Locale.ROOT, "%s per step: render %.3f, ae encode %.3f, tokenize %.3f, forward (text+flux) %.3f, backward %.3f, adamw %.3f s; transformer alone fwd %.3f bwd %.3f%n",
        cfg.name(), acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]);
    GeneratorTrainer.deleteTree(state);
  }
}
