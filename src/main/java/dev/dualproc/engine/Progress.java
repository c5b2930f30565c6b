package dev.dualproc.engine;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long job (teaching steps, generations, downloads): a bar with rate and ETA on a terminal, plain log
 * lines every few seconds otherwise (CI, files, the web studio's log). Each update may carry a free-text suffix such as
 * {@code "loss 0.42 p 0.61"}. {@code DUALPROC_PROGRESS=plain} forces the log lines.
 *
 * <pre>try (Progress p = Progress.start("teach", steps)) { for (...) { ...; p.step("loss " + loss); } }</pre>
 */
public final class Progress implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("dualproc.progress");
  static final Duration PLAIN_EVERY = Duration.ofSeconds(10);

  private final String task;
  private final long total;
  private final ProgressBar bar;            // null in plain mode
  private final Consumer<String> sink;      // plain mode
  private final LongSupplier nanos;
  private final long everyNanos;
  private final long startNanos;
  private final long startDone;             // steps already done when this display started (resume)
  private long done;
  private long lastPrint;
  private String suffix = "";
  private boolean closed;

  private Progress(String task, long total, long startDone, ProgressBar bar, Consumer<String> sink, LongSupplier nanos, Duration every) {
    this.task = task; this.total = total; this.bar = bar; this.sink = sink; this.nanos = nanos;
    this.everyNanos = every.toNanos();
    this.startNanos = nanos.getAsLong();
    this.startDone = startDone;
    this.done = startDone;
    this.lastPrint = startNanos;
  }

  /** A bar on a terminal, log lines otherwise; {@code total} steps, none done yet. */
  public static Progress start(String task, long total) { return start(task, total, 0); }

  /** As {@link #start(String, long)}, resuming after {@code alreadyDone} steps (rate and ETA count only new ones). */
  public static Progress start(String task, long total, long alreadyDone) {
    if (isTerminal()) {
      ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
          .setUpdateIntervalMillis(250).showSpeed().setUnit(" it", 1).startsFrom(alreadyDone, Duration.ZERO).build();
      return new Progress(task, total, alreadyDone, bar, null, System::nanoTime, PLAIN_EVERY);
    }
    return plain(task, total, alreadyDone, PLAIN_EVERY, LOG::info, System::nanoTime);
  }

  /** Log lines only, to {@code sink}, at most every {@code every}, timed by {@code nanos} (tests pass a fake clock). */
  public static Progress plain(String task, long total, long alreadyDone, Duration every, Consumer<String> sink, LongSupplier nanos) {
    return new Progress(task, total, alreadyDone, null, sink, nanos, every);
  }

  private static boolean isTerminal() {
    String mode = System.getenv("DUALPROC_PROGRESS");
    if ("plain".equals(mode)) return false;
    if ("bar".equals(mode)) return true;
    var console = System.console();
    return console != null && console.isTerminal();
  }

  public void step() { stepBy(1, null); }
  public void step(String suffix) { stepBy(1, suffix); }

  /** Advances by n steps; a non-null suffix replaces the previous one. */
  public void stepBy(long n, String suffix) { stepTo(done + n, suffix); }

  public void stepTo(long doneNow, String suffix) {
    if (closed) throw new IllegalStateException(task + ": progress already closed");
    done = doneNow;
    if (suffix != null) this.suffix = suffix;
    if (bar != null) {
      bar.setExtraMessage(this.suffix.isEmpty() ? "" : " " + this.suffix);
      bar.stepTo(doneNow);
      return;
    }
    long now = nanos.getAsLong();
    if (now - lastPrint >= everyNanos) {
      lastPrint = now;
      sink.accept(line(now));
    }
  }

  public long done() { return done; }
  public long total() { return total; }

  /** Steps per second since this display started. */
  public double rate() { return rate(nanos.getAsLong()); }

  private double rate(long now) {
    double secs = (now - startNanos) / 1e9;
    return secs <= 0 ? 0 : (done - startDone) / secs;
  }

  /** The plain line: {@code task 40/200 (20%) 2.31 it/s ETA 1m09s loss 0.42}. */
  String line(long now) {
    double rate = rate(now);
    StringBuilder b = new StringBuilder(task).append(' ').append(done);
    if (total > 0) b.append('/').append(total).append(String.format(Locale.ROOT, " (%d%%)", Math.round(100.0 * done / total)));
    b.append(String.format(Locale.ROOT, " %s it/s", rate >= 10 ? String.format(Locale.ROOT, "%.1f", rate) : String.format(Locale.ROOT, "%.2f", rate)));
    if (total > 0 && done < total && rate > 0) b.append(" ETA ").append(duration((total - done) / rate));
    if (!suffix.isEmpty()) b.append(' ').append(suffix);
    return b.toString();
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    if (s < 60) return s + "s";
    if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }

  /** Ends the display; in plain mode prints the final line (with the total time). */
  @Override public void close() {
    if (closed) return;
    closed = true;
    if (bar != null) { bar.close(); return; }
    long now = nanos.getAsLong();
    sink.accept(line(now) + " in " + duration((now - startNanos) / 1e9));
  }
}
