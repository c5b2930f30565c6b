package dev.dualproc.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.*;
import java.nio.file.Path;
import java.util.*;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A taught LoRA as a file that loads at weight 1.0 with the trained effect: the training scale
 * (train_weight * alpha / rank) is folded into B, and the file declares alpha = rank (scale 1).
 * PEFT/diffusers names: {@code <peftPrefix><module>.lora_A.weight}, {@code .lora_B.weight}, plus
 * {@code lora_adapter_metadata}; kohya names: {@code <kohyaName(module)>.lora_down.weight}, {@code .lora_up.weight},
 * {@code .alpha}. The key names belong to the generator family ({@link Generator#loraFile}): {@link #ENGINE} uses the
 * adapters' own module paths; FLUX uses {@code transformer.} and its BFL kohya names (a subclass may fuse modules).
 */
public class LoraFile {
  public enum Format { PEFT, KOHYA }

  /** The adapters' module paths as they are (no pipeline prefix), kohya as {@code lora_unet_<module with _>}. */
  public static final LoraFile ENGINE = new LoraFile("", m -> "lora_unet_" + m.replace('.', '_'));

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String peftPrefix;
  private final java.util.function.UnaryOperator<String> kohyaName;

  /** {@code peftPrefix}: the diffusers pipeline component ("transformer." for FLUX); {@code kohyaName}: module to kohya stem. */
  public LoraFile(String peftPrefix, java.util.function.UnaryOperator<String> kohyaName) {
    this.peftPrefix = peftPrefix; this.kohyaName = kohyaName;
  }

  public String peftKey(String module, String part) { return peftPrefix + module + ".lora_" + part + ".weight"; }

  /** Writes the adapters with {@code scale} folded into B; {@code metadata} is added to the file's own keys. */
  public void write(Path file, LoraSet lora, double scale, Format format, Map<String, String> metadata) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    List<String> modules = new ArrayList<>();
    for (Lora l : lora.adapters()) {
      Tensor b = l.B.detach().to(ScalarType.Float).mul(Tensors.scalar(scale)).to(l.B.scalar_type());
      modules.add(l.name);
      if (format == Format.PEFT) {
        out.put(peftKey(l.name, "A"), l.A.detach());
        out.put(peftKey(l.name, "B"), b);
      } else {
        String k = kohyaName.apply(l.name);
        out.put(k + ".lora_down.weight", l.A.detach());
        out.put(k + ".lora_up.weight", b);
        out.put(k + ".alpha", Tensors.fromFloats(new float[] {lora.rank}));
      }
    }
    Map<String, String> meta = new LinkedHashMap<>(metadata);
    meta.put("format", "pt");
    meta.put("ss_network_dim", Integer.toString(lora.rank));
    meta.put("ss_network_alpha", Integer.toString(lora.rank));
    if (format == Format.PEFT) {
      Map<String, Object> peft = new LinkedHashMap<>();
      peft.put("peft_type", "LORA");
      peft.put("r", lora.rank);
      peft.put("lora_alpha", lora.rank);
      peft.put("target_modules", modules);
      peft.put("init_lora_weights", "gaussian");
      peft.put("lora_dropout", 0.0);
      try { meta.put("lora_adapter_metadata", JSON.writeValueAsString(peft)); } catch (Exception e) { throw new IllegalStateException(e); }
    }
    SafeTensorsWriter.write(file, out, meta);
  }

  /**
   * Loads a file written by {@link #write} (either format, found from its keys) into the attached adapters and sets
   * their weight so that the file's own scale applies (weight 1.0 in the file's terms). Every adapter must be in the
   * file and every LoRA tensor of the file must match an adapter; shapes are checked.
   */
  public Format load(Path file, LoraSet lora) {
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      boolean peft = f.names().stream().anyMatch(n -> n.endsWith(".lora_A.weight"));
      boolean kohya = f.names().stream().anyMatch(n -> n.endsWith(".lora_down.weight"));
      if (peft == kohya) throw new DualprocException(file + ": " + (peft ? "mixes PEFT and kohya key names" : "has no LoRA tensors (*.lora_A.weight or *.lora_down.weight)"));
      double fileAlpha = lora.rank;
      if (peft && f.metadata().containsKey("lora_adapter_metadata")) {
        try {
          JsonNode m = JSON.readTree(f.metadata().get("lora_adapter_metadata"));
          if (m.has("lora_alpha")) fileAlpha = m.get("lora_alpha").asDouble();
          if (m.has("r") && m.get("r").asInt() != lora.rank)
            throw new DualprocException(file + ": rank " + m.get("r").asInt() + ", the task uses rank " + lora.rank);
        } catch (DualprocException e) { throw e; } catch (Exception e) {
          throw new DualprocException(file + ": lora_adapter_metadata is not JSON");
        }
      }
      Set<String> used = new HashSet<>();
      try (NoGradGuard g = new NoGradGuard()) {
        for (Lora l : lora.adapters()) {
          String a = peft ? peftKey(l.name, "A") : kohyaName.apply(l.name) + ".lora_down.weight";
          String b = peft ? peftKey(l.name, "B") : kohyaName.apply(l.name) + ".lora_up.weight";
          copy(f, a, l.A, used, t -> t);
          copy(f, b, l.B, used, t -> peft ? peftB(l.name, t) : t);
          double alpha = fileAlpha;
          if (!peft) {
            String k = kohyaName.apply(l.name) + ".alpha";
            if (!f.contains(k)) throw new DualprocException(file + ": missing '" + k + "'");
            alpha = Tensors.item(f.load(k));
            used.add(k);
          }
          l.setWeight(alpha / l.alpha); // scale = weight * alpha / rank = fileAlpha / rank
        }
      }
      List<String> unmatched = f.names().stream().filter(n -> !used.contains(n)).sorted().toList();
      if (!unmatched.isEmpty())
        throw new DualprocException(file + ": " + unmatched.size() + " tensors match no LoRA module of the generator, e.g. '" + unmatched.get(0) + "'");
      return peft ? Format.PEFT : Format.KOHYA;
    }
  }

  /** A PEFT file's B as the adapter holds it (FLUX stores norm_out's two row halves swapped). */
  protected Tensor peftB(String module, Tensor b) { return b; }

  private static void copy(SafeTensorsFile f, String key, Tensor dst, Set<String> used, java.util.function.UnaryOperator<Tensor> fromFile) {
    if (!f.contains(key)) throw new DualprocException(f.path() + ": missing '" + key + "' (the file was made for another generator?)");
    if (!Arrays.equals(f.shape(key), Tensors.shape(dst)))
      throw new DualprocException(f.path() + ": '" + key + "' has shape " + Arrays.toString(f.shape(key)) + ", expected " + Tensors.shapeString(dst));
    dst.detach().copy_(fromFile.apply(f.load(key)).to(dst.device(), dst.scalar_type()));
    used.add(key);
  }
}
