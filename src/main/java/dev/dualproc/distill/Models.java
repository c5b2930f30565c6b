package dev.dualproc.distill;

import dev.dualproc.engine.Placement;
import java.util.function.BiFunction;

/** How a teaching run opens its two models: the registries by default; tests pass their own fixtures. */
public record Models(BiFunction<String, Placement, Generator> generator, BiFunction<String, Placement, Critic> critic) {
  public static final Models REGISTERED = new Models(Generators::open, Critics::open);
}
