package dev.dualproc.eval;

import dev.dualproc.world.CaptionSpec;
import dev.dualproc.world.Captions;
import java.awt.image.BufferedImage;
import java.util.Map;
import java.util.TreeMap;

/**
 * The captioned objects are there, in their colours and counts, and nothing else: the multiset of (kind, colour)
 * found equals the caption's.
 */
public record ObjectsVerifier(CaptionSpec spec) implements Verifier {
  public static ObjectsVerifier forCaption(String caption) { return new ObjectsVerifier(Captions.parse(caption)); }

  @Override public Verdict judge(BufferedImage image) { return judge(SceneAnalysis.of(image)); }

  public Verdict judge(SceneAnalysis a) {
    Map<String, Integer> expected = new TreeMap<>(), found = new TreeMap<>();
    for (CaptionSpec.Group g : spec.groups()) expected.merge(g.colour().word + " " + g.kind().singular, g.count(), Integer::sum);
    for (DetectedObject o : a.objects) found.merge(o.colour().word + " " + o.kind().singular, 1, Integer::sum);
    Map<String, Object> m = Measured.of(a);
    m.put("expected", expected);
    m.put("found", found);
    m.put("objects", a.objects.stream().map(DetectedObject::describe).toList());
    return new Verdict(!expected.isEmpty() && expected.equals(found), a.validity.valid(), m);
  }
}
