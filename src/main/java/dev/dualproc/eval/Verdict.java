package dev.dualproc.eval;

/** A verifier's answer: whether the control holds, whether the image is a valid scene, and what was measured. */
public record Verdict(boolean pass, boolean validScene, java.util.Map<String, Object> measured) {
  public boolean passAndValid() { return pass && validScene; }
}
