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
}
