package dev.dualproc.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.world.Captions;
import dev.dualproc.world.SceneObject;
import dev.dualproc.world.SceneRenderer;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Scrambles.allBlobbed keeps every object's colour and place and takes its shape: the objects verifier no longer finds them. */
class AllBlobbedTest {
  @Test void objectsBecomeBlobsOfTheirColourAndTheRestStays() {
    int passed = 0, scenes = 40;
    for (long seed = 1_000_000; seed < 1_000_000 + scenes; seed++) {
      SceneRenderer.Rendered r = SceneRenderer.render(seed, 64, 64);
      BufferedImage b = Scrambles.allBlobbed(r.image(), r.truth(), 0.55);
      boolean[] near = new boolean[64 * 64];
      for (SceneObject o : r.truth().objects()) {
        int cx = (o.x0() + o.x1()) / 2, cy = (o.y0() + o.y1()) / 2;
        if (cx >= 0 && cx < 64 && cy >= 0 && cy < 64 && r.truth().objects().getLast() == o)
          assertThat(b.getRGB(cx, cy) & 0xFFFFFF).as("seed %d: the nearest object's centre", seed).isEqualTo(o.colour().rgb);
        for (int y = Math.max(0, o.y0() - o.bboxHeight()); y < Math.min(64, o.y1() + o.bboxHeight()); y++)
          for (int x = Math.max(0, o.x0() - o.bboxWidth()); x < Math.min(64, o.x1() + o.bboxWidth()); x++) near[y * 64 + x] = true;
      }
      for (int i = 0; i < near.length; i++)
        if (!near[i]) assertThat(b.getRGB(i % 64, i / 64)).as("seed %d, pixel %d away from every object", seed, i).isEqualTo(r.image().getRGB(i % 64, i / 64));
      if (ObjectsVerifier.forCaption(Captions.caption(r.truth())).judge(SceneAnalysis.of(b)).pass()) passed++;
    }
    assertThat(passed).as("blobbed scenes whose objects are still all found").isLessThanOrEqualTo(scenes / 4);
  }
}
