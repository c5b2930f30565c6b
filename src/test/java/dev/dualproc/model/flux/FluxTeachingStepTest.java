package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Lora;
import dev.dualproc.engine.LoraSet;
import dev.dualproc.engine.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The teaching step through the sampler: gradients reach only the LoRA; activation checkpointing changes nothing. */
class FluxTeachingStepTest {
  static LoraSet trained(Flux f) { return FluxLoraTest.trained(f); }

  @Test void oneTeachingStepMovesTheLoraAndOnlyTheLora() {
    Flux f = FluxFixtures.model();
    LoraSet set = FluxLora.attach(f, 4, 8.0, 11);
    set.setWeight(5.0);
    Map<String, Tensor> s = FluxFixtures.tensors("tiny-schnell-sample.safetensors");
    FluxCond c = new FluxCond(s.get("txt"), s.get("txt_ids"), s.get("vec"));
    FluxSampler sampler = FluxSampler.schnell(f, 4);
    Tensor zt = sampler.rollout(s.get("noise"), c, 1);
    Tensor before;
    try (NoGradGuard g = new NoGradGuard()) { before = sampler.oneStep(zt, 1, c); }
    Tensor x0 = sampler.oneStep(zt, 1, c);
    x0.square().mean().backward();
    Lora q = set.get("transformer_blocks.0.attn.to_q");
    // B starts at 0, so only B gets a gradient on the first step (as in PEFT); the base weights get none
    assertThat(Tensors.item(q.B.grad().abs().sum())).isPositive();
    assertThat(f.linear("double_blocks.0.img_attn.qkv").weight.requires_grad()).isFalse();
    var opt = new dev.dualproc.engine.AdamW(set.parameters(), dev.dualproc.engine.AdamW.Options.lr(1e-2));
    opt.step();
    Tensor after;
    try (NoGradGuard g = new NoGradGuard()) { after = sampler.oneStep(zt, 1, c); }
    assertThat(Tensors.relativeError(after, before)).isGreaterThan(1e-5);
  }

  @Test void checkpointedStepGivesTheSameX0AndLoraGradients() {
    Map<String, Tensor> s = FluxFixtures.tensors("tiny-schnell-sample.safetensors");
    FluxCond c = new FluxCond(s.get("txt"), s.get("txt_ids"), s.get("vec"));
    Tensor[] x0s = new Tensor[2];
    java.util.List<Map<String, float[]>> grads = new java.util.ArrayList<>();
    for (int run = 0; run < 2; run++) {
      Flux f = FluxFixtures.model();
      LoraSet set = trained(f);
      FluxSampler sampler = FluxSampler.schnell(f, 4);
      Tensor zt = sampler.rollout(s.get("noise"), c, 2);
      if (run == 0) {
        x0s[0] = sampler.oneStep(zt, 2, c);
        x0s[0].square().mean().backward();
      } else {
        FluxSampler.CheckpointedStep step = sampler.oneStepCheckpointed(zt, 2, c);
        x0s[1] = step.x0();
        x0s[1].square().mean().backward();
        step.chain().backward();
      }
      Map<String, float[]> g = new java.util.LinkedHashMap<>();
      for (Lora l : set.adapters()) { g.put(l.name + ".A", Tensors.floats(l.A.grad())); g.put(l.name + ".B", Tensors.floats(l.B.grad())); }
      grads.add(g);
    }
    assertThat(Tensors.relativeError(x0s[1], x0s[0])).isLessThan(1e-6);
    for (String k : grads.get(0).keySet()) {
      Tensor a = Tensors.fromFloats(grads.get(1).get(k), grads.get(1).get(k).length), e = Tensors.fromFloats(grads.get(0).get(k), grads.get(0).get(k).length);
      assertThat(Tensors.relativeError(a, e)).as(k).isLessThan(1e-5);
    }
  }
}
