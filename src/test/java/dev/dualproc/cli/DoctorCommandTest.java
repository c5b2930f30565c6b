package dev.dualproc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DoctorCommandTest {
  @Test void reportsLibtorchThreadsCudaAndCaches() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int status = DoctorCommand.report(new PrintStream(b, true, StandardCharsets.UTF_8));
    String out = b.toString(StandardCharsets.UTF_8);
    System.out.print(out);
    assertThat(status).isZero();
    assertThat(out).contains("libtorch  2.10.0 (org.bytedeco:pytorch 2.10.0-1.5.13", "fp32 matmul ok",
        "threads   " + torch.get_num_threads() + " (torch.get_num_threads)", "natives: ", "HF hub:  ");
    assertThat(out).containsPattern(torch.cuda_is_available() ? "cuda      available, \\d+ device" : "cuda      not available");
  }
}
