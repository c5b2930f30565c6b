package dev.dualproc.engine;

import java.nio.file.Path;
import java.util.Map;

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
}
