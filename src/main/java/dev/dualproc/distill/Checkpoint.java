package dev.dualproc.distill;

import dev.dualproc.cli.Version;
import dev.dualproc.engine.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The resume state of a teaching run, one safetensors file written atomically: the LoRA tensors
 * ({@code lora.<module>.A/B}), the AdamW state ({@code adam.<i>.step/exp_avg/exp_avg_sq}), the timestep RNG
 * ({@code rng.timesteps}), and in the metadata the step count, the task's hash and the training seconds so far.
 * The seed bank needs no state: it is re-drawn from its seed.
 */
public final class Checkpoint {
  private Checkpoint() {}

  public record Info(int step, double seconds) {}

  public static void save(Path file, Teacher t, String specHash, double seconds) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Lora l : t.lora.adapters()) {
      tensors.put("lora." + l.name + ".A", l.A);
      tensors.put("lora." + l.name + ".B", l.B);
    }
    t.optimizer.stateTensors().forEach((k, v) -> tensors.put("adam." + k, v));
    tensors.put("rng.timesteps", t.timesteps.state());
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("step", Integer.toString(t.step));
    meta.put("spec_sha256", specHash);
    meta.put("seconds", Double.toString(seconds));
    meta.put("dualproc_version", Version.get());
    SafeTensorsWriter.write(file, tensors, meta);
  }

  /** Restores the state into {@code t} (built from the same task); checks the task hash and every tensor's shape. */
  public static Info load(Path file, Teacher t, String specHash) {
    if (!Files.isRegularFile(file)) throw new DualprocException(file + ": no checkpoint to resume from");
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      Map<String, String> meta = f.metadata();
      if (!specHash.equals(meta.get("spec_sha256")))
        throw new DualprocException(file + ": the checkpoint was made for another task (task.yaml changed since): hash "
            + meta.get("spec_sha256") + ", task.yaml has " + specHash);
      int step;
      double seconds;
      try {
        step = Integer.parseInt(meta.get("step"));
        seconds = Double.parseDouble(meta.get("seconds"));
      } catch (RuntimeException e) {
        throw new DualprocException(file + ": metadata step/seconds missing or not numbers");
      }
      if (step < 0 || step > t.spec.steps()) throw new DualprocException(file + ": step " + step + " is outside 0.." + t.spec.steps());
      Set<String> expected = new HashSet<>();
      try (NoGradGuard g = new NoGradGuard()) {
        for (Lora l : t.lora.adapters()) {
          for (String part : List.of("A", "B")) {
            String k = "lora." + l.name + "." + part;
            expected.add(k);
            Tensor dst = part.equals("A") ? l.A : l.B;
            if (!f.contains(k)) throw new DualprocException(file + ": missing '" + k + "' (the generator's LoRA modules differ)");
            if (!Arrays.equals(f.shape(k), Tensors.shape(dst)) || f.dtype(k) != DType.of(dst.scalar_type()))
              throw new DualprocException(file + ": '" + k + "' is " + f.dtype(k) + " " + Arrays.toString(f.shape(k))
                  + ", the LoRA has " + DType.of(dst.scalar_type()) + " " + Tensors.shapeString(dst));
            dst.detach().copy_(f.load(k).to(dst.device(), dst.scalar_type()));
          }
        }
      }
      Map<String, Tensor> adam = new LinkedHashMap<>();
      for (String k : f.names()) {
        if (k.startsWith("adam.")) adam.put(k.substring(5), f.load(k));
        else if (!k.equals("rng.timesteps") && !expected.contains(k)) throw new DualprocException(file + ": unexpected tensor '" + k + "'");
      }
      t.optimizer.loadState(TensorSources.of(file + " (optimizer)", adam));
      if (!f.contains("rng.timesteps")) throw new DualprocException(file + ": missing 'rng.timesteps'");
      t.timesteps.restore(f.load("rng.timesteps"));
      t.step = step;
      return new Info(step, seconds);
    }
  }
}
