package dev.dualproc.model.flux;

import dev.dualproc.engine.DType;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.TensorSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/**
 * BFL autoencoder keys ({@code ae.safetensors}) and diffusers AutoencoderKL keys ({@code vae/}): the table below, as in
 * diffusers' single-file conversion. Placeholders: {side} encoder|decoder, {level} and {block} indexes, {res} a
 * res-block part, {wb} weight|bias, {up} = levels - 1 - {level} (diffusers lists decoder levels deepest first).
 */
public final class AutoEncoderKeys {
  private AutoEncoderKeys() {}

  /** How a tensor changes between the two layouts. */
  public enum Transform {
    COPY,
    /** BFL 1x1 conv weight [C, C, 1, 1] <-> diffusers linear weight [C, C] (biases copy). */
    CONV1X1_AS_LINEAR
  }

  public record Row(String bfl, String diffusers, Transform transform) {}

  public static final List<Row> TABLE = List.of(
      new Row("{side}.conv_in.{wb}", "{side}.conv_in.{wb}", Transform.COPY),
      new Row("{side}.conv_out.{wb}", "{side}.conv_out.{wb}", Transform.COPY),
      new Row("{side}.norm_out.{wb}", "{side}.conv_norm_out.{wb}", Transform.COPY),
      new Row("encoder.down.{level}.block.{block}.{res}.{wb}", "encoder.down_blocks.{level}.resnets.{block}.{res}.{wb}", Transform.COPY),
      new Row("encoder.down.{level}.block.{block}.nin_shortcut.{wb}", "encoder.down_blocks.{level}.resnets.{block}.conv_shortcut.{wb}", Transform.COPY),
      new Row("encoder.down.{level}.downsample.conv.{wb}", "encoder.down_blocks.{level}.downsamplers.0.conv.{wb}", Transform.COPY),
      new Row("decoder.up.{level}.block.{block}.{res}.{wb}", "decoder.up_blocks.{up}.resnets.{block}.{res}.{wb}", Transform.COPY),
      new Row("decoder.up.{level}.block.{block}.nin_shortcut.{wb}", "decoder.up_blocks.{up}.resnets.{block}.conv_shortcut.{wb}", Transform.COPY),
      new Row("decoder.up.{level}.upsample.conv.{wb}", "decoder.up_blocks.{up}.upsamplers.0.conv.{wb}", Transform.COPY),
      new Row("{side}.mid.block_1.{res}.{wb}", "{side}.mid_block.resnets.0.{res}.{wb}", Transform.COPY),
      new Row("{side}.mid.block_1.nin_shortcut.{wb}", "{side}.mid_block.resnets.0.conv_shortcut.{wb}", Transform.COPY),
      new Row("{side}.mid.block_2.{res}.{wb}", "{side}.mid_block.resnets.1.{res}.{wb}", Transform.COPY),
      new Row("{side}.mid.block_2.nin_shortcut.{wb}", "{side}.mid_block.resnets.1.conv_shortcut.{wb}", Transform.COPY),
      new Row("{side}.mid.attn_1.norm.{wb}", "{side}.mid_block.attentions.0.group_norm.{wb}", Transform.COPY),
      new Row("{side}.mid.attn_1.q.{wb}", "{side}.mid_block.attentions.0.to_q.{wb}", Transform.CONV1X1_AS_LINEAR),
      new Row("{side}.mid.attn_1.k.{wb}", "{side}.mid_block.attentions.0.to_k.{wb}", Transform.CONV1X1_AS_LINEAR),
      new Row("{side}.mid.attn_1.v.{wb}", "{side}.mid_block.attentions.0.to_v.{wb}", Transform.CONV1X1_AS_LINEAR),
      new Row("{side}.mid.attn_1.proj_out.{wb}", "{side}.mid_block.attentions.0.to_out.0.{wb}", Transform.CONV1X1_AS_LINEAR));

  private static final Map<String, String> PLACEHOLDERS = Map.of(
      "side", "encoder|decoder", "level", "\\d{1,6}", "up", "\\d{1,6}", "block", "\\d{1,6}", "res", "norm1|conv1|norm2|conv2",
      "wb", "weight|bias");

  private record Compiled(Row row, Pattern bfl, Pattern diffusers) {}

  private static final List<Compiled> COMPILED = TABLE.stream()
      .map(r -> new Compiled(r, compile(r.bfl()), compile(r.diffusers()))).toList();

  /** One resolved name: the other layout's key and the transform between them. */
  public record Mapped(String key, Transform transform, boolean isWeight) {}

  public static Optional<Mapped> toDiffusers(String bflKey, int levels) { return translate(bflKey, levels, true); }
  public static Optional<Mapped> toBfl(String diffusersKey, int levels) { return translate(diffusersKey, levels, false); }

  /** True when the names are diffusers AutoencoderKL names (BFL and diffusers share only conv_in/conv_out). */
  public static boolean isDiffusers(Collection<String> names) {
    return names.stream().anyMatch(n -> n.startsWith("encoder.down_blocks.") || n.startsWith("decoder.up_blocks.")
        || n.contains(".mid_block.") || n.contains(".conv_norm_out."));
  }

  /** BFL tensors renamed (and reshaped) to diffusers keys; a key outside the table is an error. */
  public static Map<String, Tensor> bflToDiffusers(Map<String, Tensor> bfl, int levels) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : bfl.entrySet()) {
      Mapped m = toDiffusers(e.getKey(), levels)
          .orElseThrow(() -> new DualprocException("autoencoder: '" + e.getKey() + "' is not a BFL autoencoder key"));
      Tensor t = e.getValue();
      out.put(m.key(), m.transform() == Transform.CONV1X1_AS_LINEAR && m.isWeight() ? t.reshape(t.size(0), t.size(1)) : t);
    }
    return out;
  }

  /**
   * The diffusers source seen under BFL names: mapped tensors get their BFL key and shape, anything outside the table
   * keeps its own name, so a load report lists it as unmatched.
   */
  public static TensorSource bflView(TensorSource diffusers, int levels) {
    Map<String, String> toSource = new LinkedHashMap<>();
    Map<String, Mapped> how = new LinkedHashMap<>();
    for (String n : diffusers.names()) {
      Optional<Mapped> m = toBfl(n, levels);
      String name = m.map(Mapped::key).orElse(n);
      if (toSource.put(name, n) != null) throw new DualprocException(diffusers.origin() + ": two tensors map to '" + name + "'");
      m.ifPresent(x -> how.put(name, x));
    }
    return new TensorSource() {
      private String source(String name) {
        String s = toSource.get(name);
        if (s == null) throw new DualprocException(diffusers.origin() + ": no tensor for '" + name + "'");
        return s;
      }
      private boolean linearToConv(String name) {
        Mapped m = how.get(name);
        return m != null && m.transform() == Transform.CONV1X1_AS_LINEAR && m.isWeight();
      }
      @Override public String origin() { return diffusers.origin() + " (diffusers names)"; }
      @Override public Collection<String> names() { return Collections.unmodifiableSet(toSource.keySet()); }
      @Override public boolean contains(String name) { return toSource.containsKey(name); }
      @Override public DType dtype(String name) { return diffusers.dtype(source(name)); }
      @Override public long[] shape(String name) {
        long[] s = diffusers.shape(source(name));
        return linearToConv(name) && s.length == 2 ? new long[] {s[0], s[1], 1, 1} : s;
      }
      @Override public Tensor load(String name) {
        Tensor t = diffusers.load(source(name));
        // some conversions keep the conv shape [C, C, 1, 1]: then it is already what BFL expects
        return linearToConv(name) && t.dim() == 2 ? t.reshape(t.size(0), t.size(1), 1, 1) : t;
      }
      @Override public void close() { diffusers.close(); }
    };
  }

  private static Optional<Mapped> translate(String key, int levels, boolean bflToDiffusers) {
    for (Compiled c : COMPILED) {
      Matcher m = (bflToDiffusers ? c.bfl() : c.diffusers()).matcher(key);
      if (!m.matches()) continue;
      Map<String, String> vars = new LinkedHashMap<>();
      for (String p : PLACEHOLDERS.keySet()) {
        try { vars.put(p, m.group(p)); } catch (IllegalArgumentException notInThisRow) { /* the row has no such placeholder */ }
      }
      // decoder levels: BFL up.N is diffusers up_blocks.(levels-1-N)
      if (vars.containsKey("level")) vars.putIfAbsent("up", Integer.toString(levels - 1 - Integer.parseInt(vars.get("level"))));
      if (vars.containsKey("up")) vars.putIfAbsent("level", Integer.toString(levels - 1 - Integer.parseInt(vars.get("up"))));
      if (vars.containsKey("level") && !(inRange(vars.get("level"), levels) && inRange(vars.get("up"), levels)))
        return Optional.empty(); // a level this config does not have
      String template = bflToDiffusers ? c.row().diffusers() : c.row().bfl();
      for (var v : vars.entrySet()) template = template.replace("{" + v.getKey() + "}", v.getValue());
      return Optional.of(new Mapped(template, c.row().transform(), "weight".equals(vars.get("wb"))));
    }
    return Optional.empty();
  }

  private static boolean inRange(String index, int levels) {
    int i = Integer.parseInt(index);
    return i >= 0 && i < levels;
  }

  private static Pattern compile(String template) {
    StringBuilder re = new StringBuilder();
    Matcher m = Pattern.compile("\\{(\\w+)}").matcher(template);
    int last = 0;
    List<String> seen = new ArrayList<>();
    while (m.find()) {
      re.append(Pattern.quote(template.substring(last, m.start())));
      String name = m.group(1);
      String alt = PLACEHOLDERS.get(name);
      if (alt == null) throw new IllegalStateException("unknown placeholder {" + name + "} in " + template);
      if (seen.contains(name)) throw new IllegalStateException("placeholder {" + name + "} twice in " + template);
      seen.add(name);
      re.append("(?<").append(name).append(">").append(alt).append(")");
      last = m.end();
    }
    re.append(Pattern.quote(template.substring(last)));
    return Pattern.compile(re.toString());
  }
}
