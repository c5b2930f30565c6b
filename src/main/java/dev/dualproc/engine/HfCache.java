package dev.dualproc.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Where the Hugging Face hub keeps downloaded models, with the hub's own precedence of environment variables. */
public final class HfCache {
  private HfCache() {}

  /** HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
  public static Path hubDir() { return hubDir(System.getenv(), System.getProperty("user.home")); }

  static Path hubDir(Map<String, String> env, String home) {
    String hub = env.get("HF_HUB_CACHE");
    if (hub != null && !hub.isBlank()) return Path.of(hub);
    String hfHome = env.get("HF_HOME");
    if (hfHome != null && !hfHome.isBlank()) return Path.of(hfHome, "hub");
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "huggingface", "hub");
    return Path.of(home, ".cache", "huggingface", "hub");
  }

  /** The cached snapshot folder of a model repo id ("owner/name"), or empty when it is not in the cache. */
  public static Optional<Path> snapshot(String repoId) { return snapshot(hubDir(), repoId); }

  /** models--owner--name/snapshots/&lt;refs/main&gt;, else its only snapshot (several without refs/main: ambiguous, empty). */
  static Optional<Path> snapshot(Path hub, String repoId) {
    if (!repoId.matches("[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+") || repoId.contains("..")) return Optional.empty();
    Path repo = hub.resolve("models--" + repoId.replace("/", "--"));
    Path snapshots = repo.resolve("snapshots");
    if (!Files.isDirectory(snapshots)) return Optional.empty();
    try {
      Path ref = repo.resolve("refs").resolve("main");
      if (Files.isRegularFile(ref)) {
        Path p = snapshots.resolve(Files.readString(ref).strip());
        if (Files.isDirectory(p) && p.normalize().startsWith(snapshots)) return Optional.of(p);
      }
      try (Stream<Path> s = Files.list(snapshots)) {
        List<Path> all = s.filter(Files::isDirectory).toList();
        return all.size() == 1 ? Optional.of(all.get(0)) : Optional.empty();
      }
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
