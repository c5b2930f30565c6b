package dev.dualproc.model.text;

import java.util.ArrayList;
import java.util.List;

/** GPT-2/CLIP byte-level BPE: each byte maps to one printable character, so a vocabulary of strings covers all bytes. */
final class ByteLevelAlphabet {
  private ByteLevelAlphabet() {}

  /** The 256 characters in the order of the reference mapping (printable bytes first, then the rest from U+0100 up). */
  static List<String> characters() {
    List<Integer> bytes = new ArrayList<>();
    for (int b = '!'; b <= '~'; b++) bytes.add(b);
    for (int b = 0xA1; b <= 0xAC; b++) bytes.add(b);
    for (int b = 0xAE; b <= 0xFF; b++) bytes.add(b);
    List<Integer> chars = new ArrayList<>(bytes);
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      if (!bytes.contains(b)) { bytes.add(b); chars.add(256 + extra++); }
    }
    List<String> out = new ArrayList<>(256);
    for (int c : chars) out.add(new String(Character.toChars(c)));
    return out;
  }
}
