package dev.dualproc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualproc.engine.Rng;
import dev.dualproc.engine.SafeTensorsWriter;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real CLI in a child JVM on broken files: exit 2, one stderr line naming the file, no JVM crash log. */
class InspectCommandTest {
  @TempDir static Path dir;
  static Path good;

  record Result(int exit, String out, List<String> err) {}

  @BeforeAll static void writeGoodFile() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("double_blocks.0.img_attn.qkv.weight", Rng.normal(1, 48, 16));
    m.put("double_blocks.0.img_attn.qkv.bias", Rng.normal(2, 48));
    good = dir.resolve("good.safetensors");
    SafeTensorsWriter.write(good, m, Map.of("format", "pt"));
  }

  static Result run(Path cwd, String... args) throws Exception {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", cp, "dev.dualproc.cli.Main"));
    cmd.addAll(Arrays.asList(args));
    Path out = Files.createTempFile(dir, "out", ".txt"), err = Files.createTempFile(dir, "err", ".txt");
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) { p.destroyForcibly(); throw new AssertionError("CLI did not finish in 60 s"); }
    return new Result(p.exitValue(), Files.readString(out), Files.readAllLines(err));
  }

  static Path bytes(String name, byte[] content) throws Exception { return Files.write(dir.resolve(name), content); }

  static byte[] header(long declared, String json, int dataBytes) {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(declared).put(h).array();
  }

  static void assertOneLineErrorNoCrash(Path cwd, Path file) throws Exception {
    Result r = run(cwd, "inspect", file.toString());
    assertThat(r.exit()).as("exit code").isEqualTo(2);
    assertThat(r.err()).as("stderr").hasSize(1);
    assertThat(r.err().get(0)).startsWith("dualproc: ").contains(file.toString());
    assertThat(r.out()).isEmpty();
    try (Stream<Path> s = Files.list(cwd)) {
      assertThat(s.map(Path::getFileName).map(Path::toString)).noneMatch(n -> n.startsWith("hs_err_pid"));
    }
    System.out.println("inspect " + file.getFileName() + " -> exit " + r.exit() + ": " + r.err().get(0));
  }

  @Test void truncatedFile() throws Exception {
    byte[] all = Files.readAllBytes(good);
    Path cut = bytes("truncated.safetensors", Arrays.copyOf(all, all.length - 64));
    assertOneLineErrorNoCrash(dir, cut);
    assertOneLineErrorNoCrash(dir, bytes("stub.safetensors", new byte[] {1, 0, 0}));
  }

  @Test void corruptHeader() throws Exception {
    assertOneLineErrorNoCrash(dir, bytes("badjson.safetensors", header(16, "{\"w\":{\"dtype\":  ", 0)));
    assertOneLineErrorNoCrash(dir, bytes("notobject.safetensors", header(8, "[1,2,3] ", 0)));
    assertOneLineErrorNoCrash(dir, bytes("badlen.safetensors", header(Long.MAX_VALUE, "{}", 0)));
  }

  @Test void offsetsOutOfRange() throws Exception {
    String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000],\"data_offsets\":[0,4000000]}}";
    json += " ".repeat((8 - json.length() % 8) % 8);
    assertOneLineErrorNoCrash(dir, bytes("range.safetensors", header(json.length(), json, 16)));
  }

  @Test void missingFile() throws Exception {
    assertOneLineErrorNoCrash(dir, dir.resolve("absent.safetensors"));
  }

  @Test void validFileListsItsTensors() throws Exception {
    Result r = run(dir, "inspect", good.toString());
    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).contains("layout: BFL single file", "double_blocks.0.img_attn.qkv.weight", "F32", "[48, 16]", "768",
        "format: pt", "total: 2 tensors, 816 parameters");
  }

  @Test void indexGivenAsABareFileNameFindsItsShards() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("sharded"));
    SafeTensorsWriter.write(folder.resolve("model-1.safetensors"), Map.of("a", Rng.normal(1, 3)), null);
    SafeTensorsWriter.write(folder.resolve("model-2.safetensors"), Map.of("b", Rng.normal(2, 5)), null);
    Files.writeString(folder.resolve("model.safetensors.index.json"),
        "{\"weight_map\":{\"a\":\"model-1.safetensors\",\"b\":\"model-2.safetensors\"}}");
    Result r = run(folder, "inspect", "model.safetensors.index.json");
    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("sharded safetensors index (2 shards)", "total: 2 tensors, 8 parameters");
  }

  @Test void noArgumentIsAUsageError() throws Exception {
    Result r = run(dir, "inspect");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(String.join("\n", r.err())).contains("Missing required parameter");
    assertThat(new File(dir.toFile(), "hs_err_pid" + "x").exists()).isFalse();
  }
}
