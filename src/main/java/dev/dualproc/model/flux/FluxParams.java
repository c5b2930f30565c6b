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
 * The FLUX transformer's shape, as BFL's {@code FluxParams} (util.py {@code configs}). {@code inChannels} counts packed
 * channels: 4 x the latent channels.
 */
public record FluxParams(int inChannels, int outChannels, int vecInDim, int contextInDim, int hiddenSize,
                         double mlpRatio, int numHeads, int depth, int depthSingleBlocks, int[] axesDim, int theta,
                         boolean qkvBias, boolean guidanceEmbed) {

  public FluxParams {
    axesDim = axesDim.clone();
    String why = null;
    if (numHeads <= 0 || hiddenSize <= 0 || hiddenSize % numHeads != 0) why = "hidden_size " + hiddenSize + " must be a positive multiple of num_heads " + numHeads;
    else if (Arrays.stream(axesDim).sum() != hiddenSize / numHeads)
      why = "axes_dim " + Arrays.toString(axesDim) + " must add up to head_dim " + hiddenSize / numHeads;
    else if (Arrays.stream(axesDim).anyMatch(d -> d <= 0 || d % 2 != 0)) why = "axes_dim entries must be positive and even";
    else if (inChannels <= 0 || inChannels % 4 != 0) why = "in_channels " + inChannels + " must be 4 x the latent channels";
    else if (depth < 0 || depthSingleBlocks < 0) why = "depth and depth_single_blocks must not be negative";
    else if (vecInDim <= 0 || contextInDim <= 0 || outChannels <= 0 || mlpRatio <= 0) why = "dimensions must be positive";
    if (why != null) throw new DualprocException("FluxParams: " + why);
  }

  /** black-forest-labs/flux util.py configs["flux-schnell"]. */
  public static FluxParams schnell() {
    return new FluxParams(64, 64, 768, 4096, 3072, 4.0, 24, 19, 38, new int[] {16, 56, 56}, 10_000, true, false);
  }

  /** configs["flux-dev"]: schnell plus the guidance embedder. */
  public static FluxParams dev() {
    return new FluxParams(64, 64, 768, 4096, 3072, 4.0, 24, 19, 38, new int[] {16, 56, 56}, 10_000, true, true);
  }

  public int headDim() { return hiddenSize / numHeads; }
  public int mlpHidden() { return (int) (hiddenSize * mlpRatio); }
  public int latentChannels() { return inChannels / 4; }
  @Override public int[] axesDim() { return axesDim.clone(); }

  @Override public boolean equals(Object o) {
    return o instanceof FluxParams p && inChannels == p.inChannels && outChannels == p.outChannels && vecInDim == p.vecInDim
        && contextInDim == p.contextInDim && hiddenSize == p.hiddenSize && mlpRatio == p.mlpRatio && numHeads == p.numHeads
        && depth == p.depth && depthSingleBlocks == p.depthSingleBlocks && Arrays.equals(axesDim, p.axesDim)
        && theta == p.theta && qkvBias == p.qkvBias && guidanceEmbed == p.guidanceEmbed;
  }

  @Override public int hashCode() { return toString().hashCode(); }

  @Override public String toString() {
    return "FluxParams[in_channels=" + inChannels + ", out_channels=" + outChannels + ", vec_in_dim=" + vecInDim
        + ", context_in_dim=" + contextInDim + ", hidden_size=" + hiddenSize + ", mlp_ratio=" + mlpRatio + ", num_heads="
        + numHeads + ", depth=" + depth + ", depth_single_blocks=" + depthSingleBlocks + ", axes_dim="
        + Arrays.toString(axesDim) + ", theta=" + theta + ", qkv_bias=" + qkvBias + ", guidance_embed=" + guidanceEmbed + "]";
  }

  /**
   * Reads a diffusers {@code transformer/config.json} ({@code FluxTransformer2DModel}), a BFL-style params object
   * (snake_case FluxParams fields), or a fixture {@code config.json} holding one under {@code "flux"}.
   */
  public static FluxParams fromJson(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot read FLUX config (" + firstLine(e) + ")");
    }
    return fromJson(root, file.toString());
  }

  public static FluxParams fromJson(JsonNode root, String origin) {
    if (root == null || !root.isObject()) throw new DualprocException(origin + ": expected a JSON object");
    if (root.has("flux") && root.get("flux").isObject()) return fromBfl(root.get("flux"), origin + ": flux");
    if (root.has("num_layers") || root.has("joint_attention_dim")) return fromDiffusers(root, origin);
    if (root.has("depth_single_blocks") || root.has("hidden_size")) return fromBfl(root, origin);
    throw new DualprocException(origin + ": not a FLUX config: expected diffusers FluxTransformer2DModel fields "
        + "(num_layers, joint_attention_dim, ...) or BFL FluxParams fields (hidden_size, depth, ...)");
  }

  private static FluxParams fromBfl(JsonNode j, String origin) {
    return new FluxParams(integer(j, "in_channels", origin), integer(j, "out_channels", origin), integer(j, "vec_in_dim", origin),
        integer(j, "context_in_dim", origin), integer(j, "hidden_size", origin), number(j, "mlp_ratio", origin),
        integer(j, "num_heads", origin), integer(j, "depth", origin), integer(j, "depth_single_blocks", origin),
        ints(j, "axes_dim", origin), integer(j, "theta", origin), bool(j, "qkv_bias", origin), bool(j, "guidance_embed", origin));
  }

  // diffusers' FluxTransformer2DModel: mlp_ratio 4, theta 10000 and qkv bias are fixed in its code, not its config
  private static FluxParams fromDiffusers(JsonNode j, String origin) {
    int patch = j.has("patch_size") ? integer(j, "patch_size", origin) : 1;
    if (patch != 1) throw new DualprocException(origin + ": patch_size " + patch + ": only FLUX.1's 1 is supported");
    int in = integer(j, "in_channels", origin);
    int out = j.hasNonNull("out_channels") ? integer(j, "out_channels", origin) : in;
    int heads = integer(j, "num_attention_heads", origin);
    int headDim = integer(j, "attention_head_dim", origin);
    return new FluxParams(in, out, integer(j, "pooled_projection_dim", origin), integer(j, "joint_attention_dim", origin),
        heads * headDim, 4.0, heads, integer(j, "num_layers", origin), integer(j, "num_single_layers", origin),
        ints(j, "axes_dims_rope", origin), 10_000, true, j.has("guidance_embeds") && bool(j, "guidance_embeds", origin));
  }

  /** This config as a diffusers {@code transformer/config.json}. */
  public ObjectNode toDiffusersJson() {
    if (mlpRatio != 4.0 || theta != 10_000 || !qkvBias)
      throw new DualprocException("diffusers FluxTransformer2DModel fixes mlp_ratio 4, theta 10000 and qkv bias; this config has "
          + "mlp_ratio " + mlpRatio + ", theta " + theta + ", qkv_bias " + qkvBias);
    ObjectNode j = new ObjectMapper().createObjectNode();
    j.put("_class_name", "FluxTransformer2DModel");
    j.put("attention_head_dim", headDim());
    ArrayNode axes = j.putArray("axes_dims_rope");
    for (int a : axesDim) axes.add(a);
    j.put("guidance_embeds", guidanceEmbed);
    j.put("in_channels", inChannels);
    j.put("joint_attention_dim", contextInDim);
    j.put("num_attention_heads", numHeads);
    j.put("num_layers", depth);
    j.put("num_single_layers", depthSingleBlocks);
    j.put("out_channels", outChannels);
    j.put("patch_size", 1);
    j.put("pooled_projection_dim", vecInDim);
    return j;
  }

  private static JsonNode field(JsonNode j, String name, String origin) {
    JsonNode v = j.get(name);
    if (v == null || v.isNull()) throw new DualprocException(origin + ": missing field '" + name + "'");
    return v;
  }

  private static int integer(JsonNode j, String name, String origin) {
    JsonNode v = field(j, name, origin);
    if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new DualprocException(origin + ": " + name + ": expected an integer, got " + v);
    return v.intValue();
  }

  private static double number(JsonNode j, String name, String origin) {
    JsonNode v = field(j, name, origin);
    if (!v.isNumber()) throw new DualprocException(origin + ": " + name + ": expected a number, got " + v);
    return v.doubleValue();
  }

  private static boolean bool(JsonNode j, String name, String origin) {
    JsonNode v = field(j, name, origin);
    if (!v.isBoolean()) throw new DualprocException(origin + ": " + name + ": expected true or false, got " + v);
    return v.booleanValue();
  }

  private static int[] ints(JsonNode j, String name, String origin) {
    JsonNode v = field(j, name, origin);
    if (!v.isArray()) throw new DualprocException(origin + ": " + name + ": expected an array of integers, got " + v);
    int[] out = new int[v.size()];
    for (int i = 0; i < out.length; i++) {
      if (!v.get(i).isIntegralNumber()) throw new DualprocException(origin + ": " + name + "[" + i + "]: expected an integer, got " + v.get(i));
      out[i] = v.get(i).intValue();
    }
    return out;
  }

  private static String firstLine(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
  }
}
