package dev.dualproc.eval;

import dev.dualproc.world.SceneObject;
import dev.dualproc.world.SceneTruth;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kind network's training data from a rendered scene (possibly degraded) and its truth: every region the
 * detector would ask about, as its crop, labelled with the kind of the drawn object it belongs to (same colour, its
 * centre inside the object's box; the nearest such object when boxes overlap), or none. When one object falls apart
 * into several regions, only the largest carries the kind, so that an object is counted once.
 */
public final class KindSamples {
  private KindSamples() {}

  public record Sample(float[] crop, int label) {}

  public static List<Sample> of(BufferedImage image, SceneTruth truth) {
    SceneAnalysis a = SceneAnalysis.of(image, null);
    List<Component> asked = new ArrayList<>();
    Map<Integer, SceneObject> owner = new HashMap<>();
    for (Component c : a.components.list) {
      if (c.cls().isLight() || !ObjectDetector.candidate(c, a.unit, a.width)) continue;
      asked.add(c);
      SceneObject best = null;
      for (SceneObject o : truth.objects()) {
        boolean inside = c.cx() >= o.x0() && c.cx() <= o.x1() && c.cy() >= o.y0() && c.cy() <= o.y1();
        if (o.colour() == c.cls().colour && inside && (best == null || o.baseRow() > best.baseRow())) best = o;
      }
      if (best != null) owner.put(c.id(), best);
    }
    Map<SceneObject, Component> largest = new HashMap<>();
    for (Component c : asked) {
      SceneObject o = owner.get(c.id());
      if (o != null) largest.merge(o, c, (p, q) -> q.area() > p.area() ? q : p);
    }
    List<Sample> out = new ArrayList<>();
    for (Component c : asked) {
      SceneObject o = owner.get(c.id());
      int label = o != null && largest.get(o) == c ? o.kind().ordinal() : KindNet.NONE;
      out.add(new Sample(KindCrop.of(a.px, a.components.label, a.width, a.height, c, a.unit), label));
    }
    return out;
  }
}
