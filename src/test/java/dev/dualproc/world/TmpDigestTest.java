package dev.dualproc.world;
import org.junit.jupiter.api.Test;
class TmpDigestTest {
  @Test void digest() throws Exception {
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    for (VqaItem it : VqaGenerator.items(3, 0, 540, 64)) {
      md.update((it.task() + it.question() + it.yes() + it.overlayParams() + it.hacked() + it.sceneSeed()).getBytes());
      for (int p : Canvas.pixels(it.image())) md.update((byte) p);
    }
    java.nio.file.Files.writeString(java.nio.file.Path.of("/tmp/c2/digest-" + System.getProperty("tag", "x")), java.util.HexFormat.of().formatHex(md.digest()));
  }
}
