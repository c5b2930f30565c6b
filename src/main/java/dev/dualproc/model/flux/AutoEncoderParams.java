package dev.dualproc.model.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualproc.engine.DualprocException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The BFL {@code AutoEncoderParams} (black-forest-labs/flux {@code modules/autoencoder.py}): {@code ch * ch_mult[i]}
 * channels at level i, {@code num_res_blocks} res-blocks per encoder level (one more per decoder level), a stride-2
 * downsampling after every level but the last. {@code resolution} does not change the computation.
 */
public record AutoEncoderParams(int resolution, int inChannels, int ch, int outCh, int[] chMult, int numResBlocks,
    int zChannels, double scaleFactor, double shiftFactor) {

  /** GroupNorm groups of every norm in the autoencoder (BFL and diffusers alike). */
  public static final int GROUPS = 32;

  public AutoEncoderParams {
    chMult = chMult.clone();
    if (chMult.length == 0) throw new DualprocException("autoencoder params: ch_mult is empty");
    if (inChannels <= 0 || outCh <= 0 || ch <= 0 || numResBlocks <= 0 || zChannels <= 0)
      throw new DualprocException("autoencoder params: channel and block counts must be positive, got " + describe(inChannels, ch, outCh, chMult, numResBlocks, zChannels));
    if (ch % GROUPS != 0) throw new DualprocException("autoencoder params: ch " + ch + " is not a multiple of the " + GROUPS + " GroupNorm groups");
    for (int m : chMult) if (m <= 0) throw new DualprocException("autoencoder params: ch_mult " + Arrays.toString(chMult) + " must be positive");
    if (scaleFactor == 0 || !Double.isFinite(scaleFactor) || !Double.isFinite(shiftFactor))
      throw new DualprocException("autoencoder params: scale_factor must be finite and non-zero, shift_factor finite; got " + scaleFactor + ", " + shiftFactor);
  }

  /** The FLUX.1 autoencoder ({@code ae.safetensors} of schnell and dev): 8x downsampling, 16 latent channels. */
  public static AutoEncoderParams flux() {
    return new AutoEncoderParams(256, 3, 128, 3, new int[] {1, 2, 4, 4}, 2, 16, 0.3611, 0.1159);
  }

  /**
   * A small autoencoder of the FLUX.1 shape (8x downsampling, four levels, mid attention) for tests and tiny models;
   * {@code zChannels} must equal the transformer's in_channels / 4. Diffusers can express it (ch_mult[0] = 1).
   */
  public static AutoEncoderParams tiny(int zChannels) {
    return new AutoEncoderParams(64, 3, 32, 3, new int[] {1, 2, 2, 2}, 1, zChannels, 0.3611, 0.1159);
  }

  @Override public int[] chMult() { return chMult.clone(); }
  public int levels() { return chMult.length; }
  /** Image side / latent side: one halving per level but the last. */
  public int downFactor() { return 1 << (chMult.length - 1); }
  public int channels(int level) { return ch * chMult[level]; }

  @Override public boolean equals(Object o) {
    return o instanceof AutoEncoderParams p && resolution == p.resolution && inChannels == p.inChannels && ch == p.ch
        && outCh == p.outCh && Arrays.equals(chMult, p.chMult) && numResBlocks == p.numResBlocks && zChannels == p.zChannels
        && Double.compare(scaleFactor, p.scaleFactor) == 0 && Double.compare(shiftFactor, p.shiftFactor) == 0;
  }

  @Override public int hashCode() { return Arrays.hashCode(chMult) * 31 + ch * 7 + zChannels; }

  @Override public String toString() {
    return "AutoEncoderParams(resolution=" + resolution + ", " + describe(inChannels, ch, outCh, chMult, numResBlocks, zChannels)
        + ", scale_factor=" + scaleFactor + ", shift_factor=" + shiftFactor + ")";
  }

  private static String describe(int in, int ch, int out, int[] mult, int blocks, int z) {
    return "in_channels=" + in + ", ch=" + ch + ", out_ch=" + out + ", ch_mult=" + Arrays.toString(mult)
        + ", num_res_blocks=" + blocks + ", z_channels=" + z;
  }

  // ---- JSON: BFL field names (the fixture's config.json "ae") and diffusers AutoencoderKL config.json ----

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads a config file: a diffusers {@code vae/config.json} (AutoencoderKL), a JSON object with the BFL field names,
   * or a fixture {@code config.json} whose {@code "ae"} member holds them.
   */
  public static AutoEncoderParams fromJson(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot read autoencoder config (" + e.getMessage() + ")", e);
    }
    if (root == null || !root.isObject()) throw new DualprocException(file + ": expected a JSON object");
    return fromJson(file.toString(), root);
  }

  public static AutoEncoderParams fromJson(String origin, JsonNode root) {
    if (root.has("block_out_channels")) return fromDiffusers(origin, root);
    if (root.has("ae") && root.get("ae").isObject()) return fromBfl(origin + " \"ae\"", root.get("ae"));
    if (root.has("ch_mult")) return fromBfl(origin, root);
    throw new DualprocException(origin + ": not an autoencoder config: expected diffusers 'block_out_channels', "
        + "BFL 'ch_mult', or an 'ae' object");
  }

  static AutoEncoderParams fromBfl(String origin, JsonNode n) {
    return new AutoEncoderParams(intField(origin, n, "resolution", 256), intField(origin, n, "in_channels", null),
        intField(origin, n, "ch", null), intField(origin, n, "out_ch", null), intArray(origin, n, "ch_mult"),
        intField(origin, n, "num_res_blocks", null), intField(origin, n, "z_channels", null),
        doubleField(origin, n, "scale_factor", null), doubleField(origin, n, "shift_factor", null));
  }

  /**
   * diffusers AutoencoderKL: {@code block_out_channels[i] = ch * ch_mult[i]} with {@code ch = block_out_channels[0]}
   * (diffusers' encoder conv_in gives block_out_channels[0] channels, BFL's gives ch, so ch_mult[0] is 1).
   */
  static AutoEncoderParams fromDiffusers(String origin, JsonNode n) {
    String cls = n.path("_class_name").asText("AutoencoderKL");
    if (!cls.equals("AutoencoderKL")) throw new DualprocException(origin + ": _class_name '" + cls + "', expected AutoencoderKL");
    if (n.path("use_quant_conv").asBoolean(true) || n.path("use_post_quant_conv").asBoolean(true))
      throw new DualprocException(origin + ": use_quant_conv/use_post_quant_conv must be false (the FLUX autoencoder has no quant convs)");
    if (!n.path("mid_block_add_attention").asBoolean(true))
      throw new DualprocException(origin + ": mid_block_add_attention false is not the FLUX autoencoder");
    int groups = intField(origin, n, "norm_num_groups", GROUPS);
    if (groups != GROUPS) throw new DualprocException(origin + ": norm_num_groups " + groups + ", expected " + GROUPS);
    String act = n.path("act_fn").asText("silu");
    if (!act.equals("silu")) throw new DualprocException(origin + ": act_fn '" + act + "', expected silu");
    int[] blockOut = intArray(origin, n, "block_out_channels");
    int ch = blockOut[0];
    int[] mult = new int[blockOut.length];
    for (int i = 0; i < blockOut.length; i++) {
      if (ch <= 0 || blockOut[i] % ch != 0)
        throw new DualprocException(origin + ": block_out_channels " + Arrays.toString(blockOut) + " must be multiples of the first");
      mult[i] = blockOut[i] / ch;
    }
    checkBlockTypes(origin, n, "down_block_types", "DownEncoderBlock2D", blockOut.length);
    checkBlockTypes(origin, n, "up_block_types", "UpDecoderBlock2D", blockOut.length);
    return new AutoEncoderParams(intField(origin, n, "sample_size", 256), intField(origin, n, "in_channels", 3), ch,
        intField(origin, n, "out_channels", 3), mult, intField(origin, n, "layers_per_block", null),
        intField(origin, n, "latent_channels", null), doubleField(origin, n, "scaling_factor", null),
        doubleField(origin, n, "shift_factor", 0.0));
  }

  /** A diffusers AutoencoderKL config.json for these params; fails if diffusers cannot express them. */
  public ObjectNode toDiffusersJson() {
    if (chMult[0] != 1)
      throw new DualprocException("autoencoder params: ch_mult[0] = " + chMult[0] + " has no diffusers AutoencoderKL equivalent "
          + "(its encoder conv_in gives block_out_channels[0] channels); use ch_mult[0] = 1");
    ObjectNode n = JSON.createObjectNode();
    n.put("_class_name", "AutoencoderKL");
    n.put("_diffusers_version", "0.30.0");
    n.put("act_fn", "silu");
    ArrayNode out = n.putArray("block_out_channels");
    for (int m : chMult) out.add(ch * m);
    ArrayNode down = n.putArray("down_block_types"), up = n.putArray("up_block_types");
    for (int i = 0; i < chMult.length; i++) { down.add("DownEncoderBlock2D"); up.add("UpDecoderBlock2D"); }
    n.put("force_upcast", true);
    n.put("in_channels", inChannels);
    n.put("latent_channels", zChannels);
    n.putNull("latents_mean");
    n.putNull("latents_std");
    n.put("layers_per_block", numResBlocks);
    n.put("mid_block_add_attention", true);
    n.put("norm_num_groups", GROUPS);
    n.put("out_channels", outCh);
    n.put("sample_size", resolution);
    n.put("scaling_factor", scaleFactor);
    n.put("shift_factor", shiftFactor);
    n.put("use_post_quant_conv", false);
    n.put("use_quant_conv", false);
    return n;
  }

  private static void checkBlockTypes(String origin, JsonNode n, String field, String expected, int count) {
    JsonNode a = n.get(field);
    if (a == null) return;
    if (!a.isArray() || a.size() != count)
      throw new DualprocException(origin + ": " + field + " must list " + count + " blocks (one per block_out_channels entry)");
    for (JsonNode t : a)
      if (!t.asText().equals(expected)) throw new DualprocException(origin + ": " + field + " has '" + t.asText() + "', expected " + expected);
  }

  private static int intField(String origin, JsonNode n, String field, Integer fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (fallback != null) return fallback;
      throw new DualprocException(origin + ": missing '" + field + "' (an integer)");
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new DualprocException(origin + ": '" + field + "' must be an integer, got " + v);
    return v.intValue();
  }

  private static double doubleField(String origin, JsonNode n, String field, Double fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (fallback != null) return fallback;
      throw new DualprocException(origin + ": missing '" + field + "' (a number)");
    }
    if (!v.isNumber()) throw new DualprocException(origin + ": '" + field + "' must be a number, got " + v);
    return v.doubleValue();
  }

  private static int[] intArray(String origin, JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isArray() || v.isEmpty()) throw new DualprocException(origin + ": '" + field + "' must be a non-empty array of integers");
    int[] out = new int[v.size()];
    for (int i = 0; i < out.length; i++) {
      if (!v.get(i).isIntegralNumber() || !v.get(i).canConvertToInt())
        throw new DualprocException(origin + ": '" + field + "' must hold integers, got " + v);
      out[i] = v.get(i).intValue();
    }
    return out;
  }
}
