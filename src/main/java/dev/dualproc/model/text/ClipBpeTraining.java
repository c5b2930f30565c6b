package dev.dualproc.model.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small byte-level BPE learned from a word list the way CLIP's was (end-of-word suffix "</w>", most frequent pair
 * first), with CLIP's vocabulary order: the 256 byte characters, the same with "</w>", one token per merge, then
 * {@code <|startoftext|>} and {@code <|endoftext|>}.
 */
record ClipBpeTraining(Map<String, Integer> vocab, List<String> merges) {

  /** Words earlier in the list count as more frequent; ties go to the alphabetically first pair, so it is deterministic. */
  static ClipBpeTraining train(List<String> words, int maxMerges) {
    List<List<String>> seqs = new ArrayList<>();
    List<Integer> weights = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      List<String> s = new ArrayList<>();
      for (int j = 0; j < w.length(); j++) s.add(String.valueOf(w.charAt(j)));
      s.set(s.size() - 1, s.get(s.size() - 1) + "</w>");
      seqs.add(s);
      weights.add(words.size() - i);
    }
    List<String> merges = new ArrayList<>();
    while (merges.size() < maxMerges) {
      Map<String, Long> counts = new HashMap<>();
      for (int i = 0; i < seqs.size(); i++) {
        List<String> s = seqs.get(i);
        for (int j = 0; j + 1 < s.size(); j++) counts.merge(s.get(j) + " " + s.get(j + 1), (long) weights.get(i), Long::sum);
      }
      if (counts.isEmpty()) break;
      String best = null;
      for (var e : counts.entrySet()) {
        if (best == null || e.getValue() > counts.get(best) || (e.getValue().equals(counts.get(best)) && e.getKey().compareTo(best) < 0))
          best = e.getKey();
      }
      merges.add(best);
      String a = best.substring(0, best.indexOf(' ')), b = best.substring(best.indexOf(' ') + 1);
      for (List<String> s : seqs) {
        for (int j = 0; j + 1 < s.size(); j++) {
          if (s.get(j).equals(a) && s.get(j + 1).equals(b)) { s.set(j, a + b); s.remove(j + 1); }
        }
      }
    }
    Map<String, Integer> vocab = new LinkedHashMap<>();
    List<String> bytes = ByteLevelAlphabet.characters();
    for (String c : bytes) vocab.putIfAbsent(c, vocab.size());
    for (String c : bytes) vocab.putIfAbsent(c + "</w>", vocab.size());
    for (String m : merges) vocab.putIfAbsent(m.replace(" ", ""), vocab.size());
    vocab.putIfAbsent("<|startoftext|>", vocab.size());
    vocab.putIfAbsent("<|endoftext|>", vocab.size());
    return new ClipBpeTraining(vocab, merges);
  }
}
