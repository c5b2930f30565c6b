package dev.dualproc.model.text;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;

/**
 * SentencePiece's precompiled_charsmap (the T5 tokenizer's normalizer): [u32 trie bytes][darts-clone double-array
 * trie of u32 units][NUL-separated UTF-8 replacements]. The native library indexes the trie and slices the strings
 * without bounds checks of its own, so a damaged map panics (and aborts the JVM) on the first text it normalizes:
 * every unit a lookup can reach is checked here instead.
 */
final class PrecompiledCharsmap {
  private PrecompiledCharsmap() {}

  /** Null when the map is sound, else what is wrong with it. */
  static String problem(byte[] bytes) {
    if (bytes.length < 4) return "too short for the trie size header: " + bytes.length + " bytes";
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long trieBytes = b.getInt(0) & 0xFFFF_FFFFL;
    if (trieBytes % 4 != 0 || 4 + trieBytes > bytes.length)
      return "trie size " + trieBytes + " does not fit the " + bytes.length + "-byte map";
    int units = (int) (trieBytes / 4);
    if (units == 0) return "the trie is empty (a lookup reads its first unit)";
    int[] trie = new int[units];
    for (int i = 0; i < units; i++) trie[i] = b.getInt(4 + 4 * i);
    byte[] normalized = java.util.Arrays.copyOfRange(bytes, 4 + (int) trieBytes, bytes.length);
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(normalized));
    } catch (CharacterCodingException e) {
      return "the replacement strings are not valid UTF-8";
    }
    return walk(trie, normalized);
  }

  /** Visits every node a lookup can reach: from each, any byte 1..255 may be tried as the next label. */
  private static String walk(int[] trie, byte[] normalized) {
    BitSet seen = new BitSet(trie.length);
    Deque<Long> nodes = new ArrayDeque<>();
    nodes.push(offset(trie[0]));
    while (!nodes.isEmpty()) {
      long base = nodes.pop();
      if (base >= trie.length) return "the trie root points past the end of the " + trie.length + "-unit trie";
      if (seen.get((int) base)) continue;
      seen.set((int) base);
      if ((base | 0xFF) >= trie.length) return "trie node " + base + " has children past the end of the " + trie.length + "-unit trie";
      for (int c = 1; c <= 0xFF; c++) {
        int pos = (int) (base ^ c);
        int unit = trie[pos];
        if (label(unit) != c) continue;
        long child = pos ^ offset(unit);
        if (child >= trie.length) return "trie unit " + pos + " points past the end of the " + trie.length + "-unit trie";
        if (hasLeaf(unit)) {
          long index = trie[(int) child] & 0x7FFF_FFFFL;
          if (index > normalized.length || (index < normalized.length && (normalized[(int) index] & 0xC0) == 0x80))
            return "trie unit " + child + " points to byte " + index + ", not the start of a replacement string";
        }
        nodes.push(child);
      }
    }
    return null;
  }

  private static long offset(int unit) { return ((unit & 0xFFFF_FFFFL) >>> 10) << ((unit & (1 << 9)) >>> 6); }
  private static long label(int unit) { return unit & 0x8000_00FFL; }
  private static boolean hasLeaf(int unit) { return ((unit >>> 8) & 1) == 1; }
}
