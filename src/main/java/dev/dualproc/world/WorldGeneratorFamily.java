package dev.dualproc.world;

import dev.dualproc.distill.Generator;
import dev.dualproc.distill.Generators;
import dev.dualproc.engine.Placement;
import dev.dualproc.model.flux.FluxPipeline;

/** The reference "world": the built-in FLUX-family generator under the dualproc home ({@link BuiltinModels#generator}). */
public final class WorldGeneratorFamily implements Generators.Family {
  public static final WorldGeneratorFamily INSTANCE = new WorldGeneratorFamily();

  @Override public String name() { return "world (built-in generator, " + BuiltinModels.GENERATOR + ")"; }

  @Override public boolean accepts(String ref) { return "world".equals(ref); }

  @Override public Generator open(String ref, Placement placement, Generators.Size size) {
    return FluxPipeline.open(BuiltinModels.generator(), placement, size.width(), size.height(), size.steps());
  }
}
