package dev.dualproc.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualproc.engine.DualprocException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A critic folder's teach_defaults.yaml fills what the task leaves out; the task's own fields win; bad files name themselves. */
class CriticTeachDefaultsTest {
  @TempDir Path tmp;

  private TaskSpec resolve(String yaml) {
    TaskSpec s = TaskSpecYaml.fromTree(TaskSpecYaml.tree(yaml, "test"), "test");
    return TaskSpecCheck.resolve(CriticTeachDefaults.apply(s, tmp), tmp);
  }

  private void critic(String name, String defaults) throws Exception {
    Files.createDirectories(tmp.resolve(name));
    if (defaults != null) Files.writeString(tmp.resolve(name).resolve(CriticTeachDefaults.FILE), defaults);
  }

  @Test void theCriticsSettingsFillTheGapsAndTheTaskWins() throws Exception {
    critic("graded", "lr: 3e-4\nanchor_weight: 2\n");
    critic("plain", null);
    String task = "prompts: [a house]\ncontrol: {preset: horizon, params: {value: 0.3}}\n";
    TaskSpec s = resolve(task + "critic: graded\n");
    assertThat(s.lr()).isEqualTo(3e-4);
    assertThat(s.anchorWeight()).isEqualTo(2.0);
    assertThat(s.steps()).as("not in the file: the reference default").isEqualTo(100);
    assertThat(TaskSpecYaml.write(s)).as("task.yaml records the values").contains("lr: 3.0E-4").contains("anchor_weight: 2.0");
    assertThat(resolve(task + "critic: graded\nlr: 1e-4\n").lr()).isEqualTo(1e-4);
    assertThat(resolve(task + "critic: plain\n").lr()).as("no file: the reference").isEqualTo(5e-5);
    assertThat(resolve(task + "critics: [graded, plain]\n").lr()).as("an ensemble takes no member's file").isEqualTo(5e-5);
    assertThat(resolve(task + "critic: some/hub-id\n").lr()).isEqualTo(5e-5);
  }

  @Test void aPresetsSettingsApplyToItsTasksOnlyAndWinOverTheGeneralOnes() throws Exception {
    critic("perpreset", "lr: 1e-4\npresets:\n  horizon: {lr: 3e-4, steps: 50}\n  depth: {anchor_weight: 3}\n");
    TaskSpec horizon = resolve("prompts: [a house]\ncontrol: {preset: horizon, params: {value: 0.3}}\ncritic: perpreset\n");
    assertThat(horizon.lr()).isEqualTo(3e-4);
    assertThat(horizon.steps()).isEqualTo(50);
    assertThat(horizon.anchorWeight()).isZero();
    TaskSpec weight = resolve("prompts: [a drawing]\ncontrol: {preset: line-weight, params: {value: 3}}\ncritic: perpreset\n");
    assertThat(weight.lr()).as("the general setting").isEqualTo(1e-4);
    assertThat(weight.steps()).isEqualTo(100);
    TaskSpec free = resolve("prompts: [a man]\nquestions: [{question: 'Is the man smiling?', answer: Yes}]\ncritic: perpreset\n");
    assertThat(free.lr()).isEqualTo(1e-4);
    critic("badpreset", "presets:\n  skyline: {lr: 3e-4}\n");
    assertThatThrownBy(() -> resolve("prompts: [a house]\ncontrol: {preset: horizon, params: {value: 0.3}}\ncritic: badpreset\n"))
        .isInstanceOf(DualprocException.class).hasMessageContaining("presets.skyline: unknown preset");
    critic("badfield", "presets:\n  horizon: {prompts: [x]}\n");
    assertThatThrownBy(() -> resolve("prompts: [a house]\ncontrol: {preset: horizon, params: {value: 0.3}}\ncritic: badfield\n"))
        .isInstanceOf(DualprocException.class).hasMessageContaining("presets.horizon.prompts: not a field");
  }

  @Test void aBadFileIsAnErrorThatNamesIt() throws Exception {
    String task = "prompts: [a house]\ncontrol: {preset: horizon, params: {value: 0.3}}\n";
    critic("prompts", "prompts: [a cat]\n");
    assertThatThrownBy(() -> resolve(task + "critic: prompts\n")).isInstanceOf(DualprocException.class)
        .hasMessageContaining(CriticTeachDefaults.FILE).hasMessageContaining("prompts: not a field a critic may recommend");
    critic("typed", "lr: fast\n");
    assertThatThrownBy(() -> resolve(task + "critic: typed\n")).isInstanceOf(DualprocException.class)
        .hasMessageContaining("lr: expected a number").hasMessageContaining(tmp.resolve("typed").resolve(CriticTeachDefaults.FILE).toString());
    critic("list", "- lr\n");
    assertThatThrownBy(() -> resolve(task + "critic: list\n")).isInstanceOf(DualprocException.class).hasMessageContaining(CriticTeachDefaults.FILE);
  }
}
