package dev.dualproc.eval;

import java.util.Map;
import java.util.Optional;

/** TEMPORARY stand-in for the world branch's Verifiers (agreed API); deleted when that branch is on main. */
public final class Verifiers {
  private Verifiers() {}

  public static Optional<Verifier> forControl(String preset, Map<String, Object> params, String prompt) { return Optional.empty(); }
}
