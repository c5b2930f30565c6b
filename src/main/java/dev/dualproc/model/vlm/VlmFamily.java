package dev.dualproc.model.vlm;

import dev.dualproc.engine.DualprocException;

/** The VLM families this package runs, by their config.json model_type. */
public enum VlmFamily {
  /** Idefics2: SigLIP, MLP projection then a perceiver resampler (64 latents), Mistral decoder. */
  IDEFICS2("idefics2"),
  /** Idefics3 and SmolVLM: SigLIP, pixel shuffle then a linear projection, Llama decoder. */
  IDEFICS3("idefics3");

  public final String modelType;

  VlmFamily(String modelType) { this.modelType = modelType; }

  public static VlmFamily ofModelType(String modelType, String where) {
    return switch (modelType) {
      case "idefics2" -> IDEFICS2;
      case "idefics3", "smolvlm" -> IDEFICS3; // SmolVLM checkpoints ship model_type idefics3; "smolvlm" is the same layout
      default -> throw new DualprocException(where + ": model_type '" + modelType + "' is not a supported VLM (expected idefics2 or idefics3)");
    };
  }

  public static VlmFamily parse(String name) {
    for (VlmFamily f : values()) if (f.modelType.equalsIgnoreCase(name)) return f;
    throw new DualprocException("VLM family: expected idefics2 or idefics3, got '" + name + "'");
  }
}
