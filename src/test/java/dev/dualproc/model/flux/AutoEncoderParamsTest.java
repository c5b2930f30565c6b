package dev.dualproc.model.flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.Fixtures;
import org.junit.jupiter.api.Test;

class AutoEncoderParamsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The fields of FLUX.1-schnell's vae/config.json (diffusers AutoencoderKL). */
  static final String FLUX_VAE_CONFIG = """
      {"_class_name": "AutoencoderKL", "_diffusers_version": "0.30.0.dev0", "act_fn": "silu",
       "block_out_channels": [128, 256, 512, 512],
       "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
       "force_upcast": true, "in_channels": 3, "latent_channels": 16, "latents_mean": null, "latents_std": null,
       "layers_per_block": 2, "mid_block_add_attention": true, "norm_num_groups": 32, "out_channels": 3,
       "sample_size": 1024, "scaling_factor": 0.3611, "shift_factor": 0.1159,
       "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
       "use_post_quant_conv": false, "use_quant_conv": false}""";

  @Test void fluxFactoryIsTheBflConfig() {
    AutoEncoderParams p = AutoEncoderParams.flux();
    assertThat(p.ch()).isEqualTo(128);
    assertThat(p.chMult()).containsExactly(1, 2, 4, 4);
    assertThat(p.numResBlocks()).isEqualTo(2);
    assertThat(p.zChannels()).isEqualTo(16);
    assertThat(p.scaleFactor()).isEqualTo(0.3611);
    assertThat(p.shiftFactor()).isEqualTo(0.1159);
    assertThat(p.downFactor()).isEqualTo(8);
  }

  @Test void theDiffusersFluxConfigIsTheFluxAutoEncoder() throws Exception {
    AutoEncoderParams p = AutoEncoderParams.fromJson("vae/config.json", JSON.readTree(FLUX_VAE_CONFIG));
    AutoEncoderParams f = AutoEncoderParams.flux();
    // sample_size is the only difference, and resolution does not enter the computation
    assertThat(p).isEqualTo(new AutoEncoderParams(1024, f.inChannels(), f.ch(), f.outCh(), f.chMult(), f.numResBlocks(),
        f.zChannels(), f.scaleFactor(), f.shiftFactor()));
    assertThat(AutoEncoderParams.fromJson("written", p.toDiffusersJson())).isEqualTo(p);
  }

  @Test void fixtureConfigReadsTheAeMember() {
    AutoEncoderParams p = AutoEncoderParams.fromJson(Fixtures.flux("config.json"));
    assertThat(p).isEqualTo(new AutoEncoderParams(64, 3, 32, 3, new int[] {2, 1}, 1, 4, 0.3611, 0.1159));
    assertThat(p.downFactor()).isEqualTo(2);
  }

  @Test void badConfigsNameTheFieldAndWhatWasExpected() {
    assertThatThrownBy(() -> read("{\"hidden_size\": 3}")).isInstanceOf(DualprocException.class).hasMessageContaining("not an autoencoder config");
    assertThatThrownBy(() -> read(FLUX_VAE_CONFIG.replace("\"use_quant_conv\": false", "\"use_quant_conv\": true")))
        .isInstanceOf(DualprocException.class).hasMessageContaining("use_quant_conv");
    assertThatThrownBy(() -> read(FLUX_VAE_CONFIG.replace("\"latent_channels\": 16,", "")))
        .isInstanceOf(DualprocException.class).hasMessageContaining("missing 'latent_channels'");
    assertThatThrownBy(() -> read(FLUX_VAE_CONFIG.replace("[128, 256, 512, 512]", "[128, 200, 512, 512]")))
        .isInstanceOf(DualprocException.class).hasMessageContaining("block_out_channels");
    assertThatThrownBy(() -> read(FLUX_VAE_CONFIG.replace("\"AutoencoderKL\"", "\"AutoencoderKLCogVideoX\"")))
        .isInstanceOf(DualprocException.class).hasMessageContaining("_class_name");
    assertThatThrownBy(() -> read(FLUX_VAE_CONFIG.replace("\"layers_per_block\": 2", "\"layers_per_block\": \"two\"")))
        .isInstanceOf(DualprocException.class).hasMessageContaining("'layers_per_block' must be an integer");
    assertThatThrownBy(() -> read("{\"ae\": {\"ch\": 30, \"in_channels\": 3, \"out_ch\": 3, \"ch_mult\": [1], \"num_res_blocks\": 1,"
        + " \"z_channels\": 4, \"scale_factor\": 1, \"shift_factor\": 0}}"))
        .isInstanceOf(DualprocException.class).hasMessageContaining("multiple of the 32 GroupNorm groups");
  }

  private static AutoEncoderParams read(String json) throws Exception {
    return AutoEncoderParams.fromJson("config.json", JSON.readTree(json));
  }
}
