"""Parity fixtures for dualproc's Idefics2 / Idefics3 critic, computed by HF transformers (CPU, float32).

Usage: python3 idefics_fixtures.py TINY_DIR OUT_DIR
  TINY_DIR holds idefics2/ and idefics3/ as written by `dualproc dev tiny-model FAMILY --out TINY_DIR/FAMILY`
  (their config.json, tokenizer and processor files are the inputs; their weights are only load-checked).

Per family it writes OUT_DIR/FAMILY/model.safetensors (save_pretrained of a model built by transformers from the
config, with seeded random weights) and OUT_DIR/FAMILY/io.safetensors: the image, pixel_values, input ids, answer
positions, logits, loss, d loss / d image, image features and greedy ids, computed the way the reference
(g-luo/dual_process) computes its VLM loss; its metadata holds the snapshot's other files and the versions.
`dualproc parity FAMILY OUT_DIR/FAMILY` checks the Java implementation against them.
"""
import json
import os
import sys
import tempfile
import traceback

import torch
import torch.nn.functional as F
import transformers
import tokenizers
from safetensors.torch import save_file
from transformers import AutoConfig

FAMILIES = {
    "idefics2": dict(cls="Idefics2ForConditionalGeneration", template="User:<image>{q}<end_of_utterance>\nAssistant: "),
    "idefics3": dict(cls="Idefics3ForConditionalGeneration",
                     template="<|im_start|>User:<image>{q}<end_of_utterance>\nAssistant: "),
}
QUESTION = "Is the sky blue? Answer with Yes or No."
ANSWER = "No, it is red"
SNAPSHOT_FILES = ["tokenizer.json", "tokenizer_config.json", "preprocessor_config.json", "processor_config.json",
                  "chat_template.json"]


def log(*a):
    print(*a, flush=True)


def randomize(model, seed):
    """Norm weights near 1, biases small, embeddings and latents 0.5, matrices 0.2: varied, finite logits."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            n = torch.randn(p.shape)
            is_norm = name.endswith("norm.weight") or name.endswith("layer_norm1.weight") or name.endswith("layer_norm2.weight")
            if is_norm:
                p.copy_(1 + 0.1 * n)
            elif name.endswith(".bias"):
                p.copy_(0.1 * n)
            elif name.endswith("latents") or "embed" in name:
                p.copy_(0.5 * n)
            else:
                p.copy_(0.2 * n)


def expand(family, text, seq_len):
    image = "<image>" * seq_len
    if family == "idefics2":
        return text.replace("<image>", "<fake_token_around_image>" + image + "<fake_token_around_image>")
    return text.replace("<image>", "<fake_token_around_image><global-img>" + image + "<fake_token_around_image>")


def build(family, tiny, out):
    spec = FAMILIES[family]
    folder = os.path.join(tiny, family)
    cls = getattr(transformers, spec["cls"])
    meta = {"transformers": transformers.__version__, "torch": torch.__version__, "tokenizers": tokenizers.__version__,
            "question": QUESTION, "answer": ANSWER}

    # 1. transformers reads the Java-written folder: config fields and weight key names
    try:
        m, info = cls.from_pretrained(folder, output_loading_info=True)
        log(family, "from_pretrained(java folder):", {k: sorted(v)[:10] for k, v in info.items()})
        meta["java_folder_loading_info"] = json.dumps({k: sorted(map(str, v)) for k, v in info.items()})
        del m
    except Exception:
        log(family, "from_pretrained(java folder) FAILED\n" + traceback.format_exc())
        meta["java_folder_loading_info"] = "failed: " + traceback.format_exc().splitlines()[-1]

    # 2. a model built by transformers from that config, random weights, saved by save_pretrained
    config = AutoConfig.from_pretrained(folder)
    try:
        model = cls._from_config(config, attn_implementation="eager")
    except Exception:
        log(family, "eager attention not accepted, using the default:", traceback.format_exc().splitlines()[-1])
        model = cls(config)
    model = model.float().eval()
    randomize(model, 1234)
    os.makedirs(os.path.join(out, family), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            model.save_pretrained(tmp, safe_serialization=True)
        except TypeError:  # transformers versions that always write safetensors dropped the flag
            model.save_pretrained(tmp)
        log(family, "save_pretrained wrote", sorted(os.listdir(tmp)))
        os.replace(os.path.join(tmp, "model.safetensors"), os.path.join(out, family, "model.safetensors"))
        with open(os.path.join(tmp, "config.json")) as f:
            meta["file:config.json"] = f.read()
    for name in SNAPSHOT_FILES:
        p = os.path.join(folder, name)
        if os.path.exists(p):
            with open(p) as f:
                meta["file:" + name] = f.read()

    # 3. token ids: the tokenizers library on the expanded prompt, as the processors build it with splitting off
    with open(os.path.join(folder, "processor_config.json")) as f:
        seq_len = json.load(f)["image_seq_len"]
    tok = tokenizers.Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    prefix = spec["template"].format(q=QUESTION)
    prefix_ids = tok.encode(expand(family, prefix, seq_len)).ids
    all_ids = tok.encode(expand(family, prefix + ANSWER, seq_len)).ids
    gen_ids = tok.encode(expand(family, prefix.rstrip(), seq_len)).ids
    positions = [i for i in range(min(len(prefix_ids), len(all_ids))) if prefix_ids[i] != all_ids[i]]
    positions += list(range(len(prefix_ids), len(all_ids)))
    tensors = {"input_ids": torch.tensor(all_ids, dtype=torch.int64),
               "target_positions": torch.tensor(positions, dtype=torch.int64),
               "generation_ids": torch.tensor(gen_ids, dtype=torch.int64)}

    # the HF processor on the same text (the reference tokenizes this way), for comparison only
    try:
        from PIL import Image
        proc = transformers.AutoProcessor.from_pretrained(folder)
        blank = [Image.new("RGB", (24, 20), color="white")]
        p_all = proc(text=prefix + ANSWER, images=blank, return_tensors="pt")
        tensors["processor_input_ids"] = p_all["input_ids"][0].to(torch.int64)
        meta["processor_pixel_values_shape"] = json.dumps(list(p_all["pixel_values"].shape))
        log(family, "processor ids equal tokenizers ids:", p_all["input_ids"][0].tolist() == all_ids,
            "pixel_values", list(p_all["pixel_values"].shape))
    except Exception:
        log(family, "processor FAILED\n" + traceback.format_exc())

    # 4. the reference's differentiable preprocessing and loss
    torch.manual_seed(3)
    image = (torch.randn(1, 3, 20, 24) * 0.5).tanh().requires_grad_(True)
    with open(os.path.join(folder, "preprocessor_config.json")) as f:
        pre = json.load(f)
    mean = torch.tensor(pre["image_mean"]).view(1, 3, 1, 1)
    std = torch.tensor(pre["image_std"]).view(1, 3, 1, 1)
    size = (32, 32)  # both tiny processors give 32x32 for a 20x24 image (Idefics2: floor at shortest_edge; Idefics3: square)
    x = (image - image.min()) / (image.max() - image.min())
    x = (x - mean) / std
    x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    pixel_values = x[:, None]
    ids = torch.tensor([all_ids])
    outputs = model(input_ids=ids, pixel_values=pixel_values)
    logits = outputs.logits[0].float()
    labels = torch.full((len(all_ids),), -100, dtype=torch.int64)
    labels[positions] = ids[0, positions]
    loss = F.cross_entropy(logits[:-1], labels[1:], ignore_index=-100)
    loss.backward()
    log(family, "loss", loss.item(), "|grad|", image.grad.norm().item())
    tensors.update({"image": image.detach(), "pixel_values": x.detach(), "logits": logits.detach(),
                    "loss": loss.detach().reshape(1), "image_grad": image.grad.detach()})
    try:
        with torch.no_grad():
            feats = model.model.get_image_features(pixel_values=pixel_values)
            if not torch.is_tensor(feats):
                feats = feats[0] if isinstance(feats, (tuple, list)) else feats.pooler_output
            if isinstance(feats, (tuple, list)):
                feats = torch.cat(list(feats), 0)
            tensors["image_features"] = feats.reshape(-1, feats.shape[-1]).float()
    except Exception:
        log(family, "get_image_features FAILED\n" + traceback.format_exc())

    # 5. greedy decoding: full forwards, no cache, stop at a generated <image> (it would have no image behind it)
    image_token = config.image_token_id
    cur = list(gen_ids)
    greedy = []
    with torch.no_grad():
        for _ in range(8):
            nxt = int(model(input_ids=torch.tensor([cur]), pixel_values=pixel_values.detach()).logits[0, -1].argmax())
            if nxt == image_token:
                break
            greedy.append(nxt)
            cur.append(nxt)
    tensors["greedy_ids"] = torch.tensor(greedy if greedy else [-1], dtype=torch.int64)
    log(family, "greedy", greedy)
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(out, family, "io.safetensors"), metadata=meta)


def main():
    tiny, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(4)
    log("transformers", transformers.__version__, "torch", torch.__version__, "tokenizers", tokenizers.__version__)
    status = 0
    for family in FAMILIES:
        try:
            build(family, tiny, out)
        except Exception:
            log(family, "FAILED\n" + traceback.format_exc())
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
