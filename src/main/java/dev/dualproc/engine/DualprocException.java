package dev.dualproc.engine;

/** A user-facing error: the message names the file or field and what was expected; the CLI prints it on one line. */
public class DualprocException extends RuntimeException {
  public DualprocException(String message) { super(message); }
  public DualprocException(String message, Throwable cause) { super(message, cause); }
}
