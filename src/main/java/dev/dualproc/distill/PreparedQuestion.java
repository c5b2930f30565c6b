package dev.dualproc.distill;

/** A (question, answer) pair tokenized once by a critic; {@code tokens} is critic-specific. */
public record PreparedQuestion(String question, String answer, Object tokens) {}
