package dev.dualproc.distill;

import dev.dualproc.engine.Placement;
import dev.dualproc.engine.Tensors;
import java.util.*;
import java.util.function.BiFunction;
import org.bytedeco.pytorch.Tensor;

/**
 * Several critics as one (critics: [...]): each prepares its own tokens for a question, the answer loss is the mean of
 * theirs, and p is the mean of their p. Fooling patterns transfer less between independently trained critics
 * (notes/world-feasibility.md), so the generator has to satisfy all of them at once.
 */
public final class CriticEnsemble implements Critic {
  private final List<Critic> members;

  /** Each member's prepared form of one question, in member order. */
  record Prepared(List<PreparedQuestion> each) {}

  public CriticEnsemble(List<Critic> members) {
    if (members.size() < 2) throw new IllegalArgumentException("an ensemble needs at least two critics, got " + members.size());
    this.members = List.copyOf(members);
  }

  /** The one critic of {@code refs}, or an ensemble of all of them; a member that fails to open closes the ones opened. */
  public static Critic open(BiFunction<String, Placement, Critic> opener, List<String> refs, Placement placement) {
    if (refs.size() == 1) return opener.apply(refs.get(0), placement);
    List<Critic> opened = new ArrayList<>();
    try {
      for (String r : refs) opened.add(opener.apply(r, placement));
    } catch (RuntimeException e) {
      opened.forEach(Critic::close);
      throw e;
    }
    return new CriticEnsemble(opened);
  }

  public List<Critic> members() { return members; }

  @Override public String identity() { return "ensemble[" + String.join(", ", members.stream().map(Critic::identity).toList()) + "]"; }

  @Override public PreparedQuestion prepare(String question, String answer) {
    return new PreparedQuestion(question, answer, new Prepared(members.stream().map(c -> c.prepare(question, answer)).toList()));
  }

  private static PreparedQuestion member(PreparedQuestion q, int i) { return ((Prepared) q.tokens()).each().get(i); }

  @Override public Tensor answerLoss(Tensor image, PreparedQuestion q) { return score(image, q).loss(); }

  @Override public Scored score(Tensor image, PreparedQuestion q) {
    Tensor sum = null;
    double p = 0;
    for (int i = 0; i < members.size(); i++) {
      Scored s = members.get(i).score(image, member(q, i));
      p += s.p() / members.size();
      sum = sum == null ? s.loss() : sum.add(s.loss());
    }
    return new Scored(sum.div(Tensors.scalar(members.size())), p);
  }

  /** The mean p; the greedy answer most members give (ties: the earliest member's). */
  @Override public Answer answer(Tensor image, PreparedQuestion q) {
    Map<String, Integer> votes = new LinkedHashMap<>();
    double p = 0;
    for (int i = 0; i < members.size(); i++) {
      Answer a = members.get(i).answer(image, member(q, i));
      p += a.p() / members.size();
      votes.merge(a.greedy(), 1, Integer::sum);
    }
    String greedy = votes.entrySet().stream().max(Comparator.comparingInt(Map.Entry<String, Integer>::getValue)).orElseThrow().getKey();
    return new Answer(greedy, p);
  }

  @Override public void close() { members.forEach(Critic::close); }
}
