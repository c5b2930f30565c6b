package dev.dualproc.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HfCacheTest {
  @Test void followsTheHubsPrecedence() {
    assertThat(HfCache.hubDir(Map.of(), "/home/u")).isEqualTo(Path.of("/home/u/.cache/huggingface/hub"));
    assertThat(HfCache.hubDir(Map.of("XDG_CACHE_HOME", "/x"), "/home/u")).isEqualTo(Path.of("/x/huggingface/hub"));
    assertThat(HfCache.hubDir(Map.of("HF_HOME", "/hf", "XDG_CACHE_HOME", "/x"), "/home/u")).isEqualTo(Path.of("/hf/hub"));
    assertThat(HfCache.hubDir(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/hf"), "/home/u")).isEqualTo(Path.of("/c"));
  }

  @Test void snapshotFollowsRefsMainElseTheOnlySnapshot(@org.junit.jupiter.api.io.TempDir Path hub) throws Exception {
    Path repo = hub.resolve("models--Org--tiny-vlm");
    java.nio.file.Files.createDirectories(repo.resolve("snapshots/abc123"));
    assertThat(HfCache.snapshot(hub, "Org/tiny-vlm")).contains(repo.resolve("snapshots/abc123"));
    java.nio.file.Files.createDirectories(repo.resolve("snapshots/def456"));
    assertThat(HfCache.snapshot(hub, "Org/tiny-vlm")).isEmpty(); // two snapshots, no refs/main: ambiguous
    java.nio.file.Files.createDirectories(repo.resolve("refs"));
    java.nio.file.Files.writeString(repo.resolve("refs/main"), "def456\n");
    assertThat(HfCache.snapshot(hub, "Org/tiny-vlm")).contains(repo.resolve("snapshots/def456"));
    assertThat(HfCache.snapshot(hub, "Org/other")).isEmpty();
    assertThat(HfCache.snapshot(hub, "../escape")).isEmpty();
    assertThat(HfCache.snapshot(hub, "not-a-repo-id")).isEmpty();
  }
}
