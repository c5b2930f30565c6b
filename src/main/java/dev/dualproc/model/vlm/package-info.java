/**
 * VLM critics: Idefics2 (SigLIP, MLP + perceiver resampler, Mistral) and Idefics3/SmolVLM (SigLIP, pixel shuffle +
 * linear, Llama) from HF snapshot folders, as the teaching loop's {@link dev.dualproc.distill.Critic}.
 *
 * <ul>
 * <li>Files: config.json ({@link dev.dualproc.model.vlm.IdeficsConfig}), model*.safetensors or its index
 * ({@link dev.dualproc.model.vlm.CheckpointLayout}: key prefixes as data), tokenizer.json + tokenizer_config.json
 * ({@link dev.dualproc.model.vlm.VlmTokenizer}), preprocessor_config.json + processor_config.json
 * ({@link dev.dualproc.model.vlm.ProcessorConfig}).</li>
 * <li>Modules are named as the checkpoint keys: vision_model (embeddings, encoder.layers.N, post_layernorm),
 * connector (modality_projection, perceiver_resampler), text_model (embed_tokens, layers.N, norm), lm_head.</li>
 * <li>Prompt: {@link dev.dualproc.model.vlm.PromptFormat} (the reference's template, the processors' image-token
 * expansion with splitting off); answer positions: {@link dev.dualproc.model.vlm.AnswerTokens}.</li>
 * <li>Image: {@link dev.dualproc.model.vlm.ImageInput} (min-max, mean/std, bilinear), differentiable.</li>
 * <li>Loss and answers: {@link dev.dualproc.model.vlm.IdeficsCritic}; greedy decoding with a KV cache:
 * {@link dev.dualproc.model.vlm.GreedyDecoder}.</li>
 * <li>Test models: {@link dev.dualproc.model.vlm.TinyIdefics}; checks against transformers:
 * {@link dev.dualproc.model.vlm.IdeficsParity} with fixtures from src/test/resources/fixtures/vlm/make_fixtures.py.</li>
 * </ul>
 */
package dev.dualproc.model.vlm;
