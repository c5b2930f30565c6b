package dev.dualproc.eval;

/** Judges a finished image without any VLM: how we know a control was learned and not reward-hacked. */
public interface Verifier {
  Verdict judge(java.awt.image.BufferedImage image);
}
