/**
 * FLUX.1 (black-forest-labs/flux): the transformer and its sampling, LoRA and checkpoint formats.
 *
 * <ul>
 *   <li>{@link dev.dualproc.model.flux.FluxParams}: the shape (schnell(), dev(), fromJson of a diffusers or BFL config).</li>
 *   <li>{@link dev.dualproc.model.flux.Flux}: the transformer, fields named as the BFL checkpoint keys;
 *       {@link dev.dualproc.model.flux.FluxCheckpoint} loads it from a BFL file or a diffusers folder through the
 *       name table {@code transformer-diffusers-keys.tsv} ({@link dev.dualproc.model.flux.FluxKeyMap}).</li>
 *   <li>{@link dev.dualproc.model.flux.FluxSampler}: schedules ({@link dev.dualproc.model.flux.FluxSchedule}), Euler
 *       denoising, the no-grad rollout and the one step with grad to x0; latents are packed 2x2 inside
 *       ({@link dev.dualproc.model.flux.LatentPacking}).</li>
 *   <li>{@link dev.dualproc.model.flux.FluxLora} (adapters on the reference modules) and
 *       {@link dev.dualproc.model.flux.FluxLoraFiles} (PEFT/diffusers save, kohya export, loading both).</li>
 *   <li>{@link dev.dualproc.model.flux.FluxParity}: comparison with a fixture folder (fixtures/flux/README.md format).</li>
 * </ul>
 * The autoencoder lives beside these in {@code Autoencoder*} files.
 */
package dev.dualproc.model.flux;
