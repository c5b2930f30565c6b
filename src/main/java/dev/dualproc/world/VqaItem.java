package dev.dualproc.world;

import dev.dualproc.tasks.Overlays;
import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * One critic training example: a scene, a yes/no question about it, the answer, and for the overlay tasks the
 * control preset and params whose overlay is shown (mode "solid" or "transparent", as teaching applies it; null
 * without an overlay). hacked marks a negative whose scene carries a painted band where the overlay's line goes.
 * truth is the rendered scene's; null for a generated image (critic.GeneratedVqa: its answers come from the verifiers'
 * measurements, and sceneSeed is the scene whose caption it was generated from). target is the p(Yes) the critic is
 * trained towards: 1 or 0, soft on graded horizon items (ItemRecipe), where yes says whether it is above 1/2.
 */
public record VqaItem(String task, long sceneSeed, BufferedImage scene, SceneTruth truth, String question, boolean yes,
                      String overlayPreset, Map<String, Object> overlayParams, String mode, boolean hacked, double target) {
  /** A hard item: target 1 for yes, 0 for no. */
  public VqaItem(String task, long sceneSeed, BufferedImage scene, SceneTruth truth, String question, boolean yes,
                 String overlayPreset, Map<String, Object> overlayParams, String mode, boolean hacked) {
    this(task, sceneSeed, scene, truth, question, yes, overlayPreset, overlayParams, mode, hacked, yes ? 1 : 0);
  }

  public String answer() { return yes ? "Yes" : "No"; }

  /** Whether the target is soft (strictly between 0 and 1): its loss is the cross-entropy against (target, 1 - target). */
  public boolean soft() { return target > 0 && target < 1; }

  public boolean hasOverlay() { return overlayPreset != null; }

  /** The overlay on white at the scene's size, or null. */
  public BufferedImage overlay() {
    return hasOverlay() ? Overlays.render(overlayPreset, overlayParams, scene.getWidth(), scene.getHeight()) : null;
  }

  /** What the critic sees: the scene with the overlay applied in its mode. */
  public BufferedImage image() {
    if (!hasOverlay()) return scene;
    return "solid".equals(mode) ? Overlays.solid(scene, overlay()) : Overlays.transparent(scene, overlay());
  }
}
