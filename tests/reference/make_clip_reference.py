"""Writes a tiny random CLIP (tests/reference/clip_tiny/), a small VLIT fixture with real
image files (fixtures/clip/), and the expected embeddings and scores from an independent
NumPy float64 forward pass (tests/reference/clip_reference.json), for tests/clip_reference.rs
and tests/clip_report.rs.

Deterministic: one seeded generator, images drawn from arrays, PNG written by Pillow.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy pillow tokenizers
    /tmp/v/bin/python tests/reference/make_clip_reference.py

Pillow decodes the PNG files and is the reference resize (Hugging Face's
CLIPImageProcessor resizes with PIL's BICUBIC); `tokenizers` only writes tokenizer.json,
and the script checks its token ids against its own reading of the same rules.
"""

import json
import re
import struct
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "tests/reference/clip_tiny"
FIXTURE = ROOT / "fixtures/clip"
IMAGES = FIXTURE / "images"
PROMPT = "This is a picture about this conversation:"

D_TEXT, D_VISION, PROJ, LAYERS, HEADS, INTER = 16, 16, 8, 2, 2, 32
MAX_POS, IMAGE, PATCH = 16, 32, 8
MEAN = np.array([0.48145466, 0.4578275, 0.40821073])
STD = np.array([0.26862954, 0.26130258, 0.27577711])

rng = np.random.default_rng(20251130)

# --- the fixture -------------------------------------------------------------------------
RECORDS = [
    ("r0", ["red.png"], "<image>\nWhat color is the square?", "The square is red."),
    ("r1", ["blue.png"], "<image>\nDescribe the picture.", "A blue circle on a white background."),
    ("r2", ["green.png", "stripes.png"], "<image>\n<image>\nCompare the two images.",
     "The first is green and the second has stripes."),
    ("r3", ["missing.png"], "<image>\nWhat is shown?", "A cat."),
    ("r4", [], "What is the capital of France?", "Paris."),
    ("r5", ["corrupt.png"], "<image>\nWhat is this?", "A dog."),
    ("r6", ["red.png"], "<image>\nTell me a long story about the red square and the blue circle "
     "and the green field and the striped wall in great detail please.",
     "Once upon a time there was a red square."),
]

# Real photographs (fixtures/clip/images/photos/NOTICE.md): JPEG decoding and downscaling of
# camera images, which the drawn PNGs above do not exercise. Their texts use the vocabulary
# above as it is (unknown words become <unk>), so adding them changes no other output.
PHOTOS = [
    ("p1", ["photos/1.jpg"], "<image>\nWhat are the players doing?",
     "They are celebrating on the soccer field."),
    ("p2", ["photos/2.jpg"], "<image>\nWhy is the player on the ground?",
     "He is sliding on his knees to celebrate."),
    ("p3", ["photos/3.jpg"], "<image>\nDescribe this image.",
     "A man in a blue uniform is giving a speech."),
]


def conversation_text(instruction, response):
    """ftqa_metrics::matching::clip::clip_text: prompt, then the turns, `<image>` removed."""
    turns = []
    for t in (instruction, response):
        t = " ".join(t.replace("<image>", " ").split())
        if t:
            turns.append(t)
    return PROMPT + " " + " ".join(turns)


def draw_images():
    """32 x 40 or 40 x 32 images (shortest side = the model's size: no resampling), and one
    larger image for the resize check."""
    h, w = 40, 32
    yy, xx = np.mgrid[0:h, 0:w]
    red = np.full((h, w, 3), 255, np.uint8)
    red[8:32, 4:28] = [220, 30, 40]
    blue = np.full((w, h, 3), 250, np.uint8)
    cy, cx = np.mgrid[0:w, 0:h]
    blue[(cy - 16) ** 2 + (cx - 20) ** 2 < 100] = [20, 40, 210]
    green = np.stack([xx * 3, 120 + yy * 3, xx * 2 + yy], axis=-1).astype(np.uint8)
    stripes = np.where(((xx // 4) % 2 == 0)[..., None], [240, 240, 30], [30, 30, 30]).astype(np.uint8)
    big = rng.integers(0, 256, size=(48, 64, 3)).astype(np.uint8)
    return {"red.png": red, "blue.png": blue, "green.png": green, "stripes.png": stripes}, big


# --- the tokenizer -----------------------------------------------------------------------
def words(text):
    """The Whitespace pre-tokenizer (`\\w+|[^\\w\\s]+`) after lowercasing."""
    return re.findall(r"\w+|[^\w\s]+", text.lower())


def make_vocab(texts):
    seen = sorted({w for t in texts for w in words(t)})
    # Two words stay out of the vocabulary, so the unknown token is exercised.
    seen = [w for w in seen if w not in ("dog", "cat")]
    vocab = {"<unk>": 0}
    for w in seen:
        vocab[w] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    # The end-of-text token has the highest id, as in OpenAI's CLIP vocabulary.
    vocab["<|endoftext|>"] = len(vocab)
    return vocab


def token_ids(vocab, text):
    ids = [vocab.get(w, 0) for w in words(text)][: MAX_POS - 2]
    return [vocab["<|startoftext|>"]] + ids + [vocab["<|endoftext|>"]]


def write_tokenizer(vocab):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    bos, eos = "<|startoftext|>", "<|endoftext|>"
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} $B {eos}",
        special_tokens=[(bos, vocab[bos]), (eos, vocab[eos])],
    )
    tok.add_special_tokens(["<unk>", bos, eos])
    tok.save(str(MODEL / "tokenizer.json"))
    return tok


# --- the weights -------------------------------------------------------------------------
def init_weights(vocab_size):
    w = {}

    def normal(name, shape, std=0.2):
        w[name] = rng.normal(0.0, std, size=shape)

    def layer_norm(name):
        w[name + ".weight"] = 1.0 + rng.normal(0.0, 0.1, size=(D,))
        w[name + ".bias"] = rng.normal(0.0, 0.1, size=(D,))

    def encoder(prefix):
        for i in range(LAYERS):
            p = f"{prefix}.encoder.layers.{i}"
            for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                normal(f"{p}.self_attn.{proj}.weight", (D, D))
                normal(f"{p}.self_attn.{proj}.bias", (D,), 0.05)
            layer_norm(f"{p}.layer_norm1")
            layer_norm(f"{p}.layer_norm2")
            normal(f"{p}.mlp.fc1.weight", (INTER, D))
            normal(f"{p}.mlp.fc1.bias", (INTER,), 0.05)
            normal(f"{p}.mlp.fc2.weight", (D, INTER))
            normal(f"{p}.mlp.fc2.bias", (D,), 0.05)

    D = D_TEXT
    normal("text_model.embeddings.token_embedding.weight", (vocab_size, D), 0.5)
    normal("text_model.embeddings.position_embedding.weight", (MAX_POS, D), 0.5)
    encoder("text_model")
    layer_norm("text_model.final_layer_norm")
    D = D_VISION
    n_pos = (IMAGE // PATCH) ** 2 + 1
    normal("vision_model.embeddings.class_embedding", (D,), 0.5)
    normal("vision_model.embeddings.patch_embedding.weight", (D, 3, PATCH, PATCH), 0.1)
    normal("vision_model.embeddings.position_embedding.weight", (n_pos, D), 0.5)
    layer_norm("vision_model.pre_layrnorm")
    encoder("vision_model")
    layer_norm("vision_model.post_layernorm")
    normal("visual_projection.weight", (PROJ, D_VISION))
    normal("text_projection.weight", (PROJ, D_TEXT))
    w["logit_scale"] = np.array(2.6592)
    # Stored as float32: the reference runs on exactly the stored values.
    return {k: v.astype(np.float32).astype(np.float64) for k, v in w.items()}


def write_safetensors(path, tensors):
    """The safetensors layout: 8-byte little-endian header length, JSON header, raw data."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].astype("<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(tensors[name].shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


# --- the forward pass (float64) -----------------------------------------------------------
def layer_norm(x, w, name):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5) * w[name + ".weight"] + w[name + ".bias"]


def linear(x, w, name, bias=True):
    y = x @ w[name + ".weight"].T
    return y + w[name + ".bias"] if bias else y


def quick_gelu(x):
    return x / (1.0 + np.exp(-1.702 * x))


def encoder(x, w, prefix, causal):
    n, d = x.shape
    hd = d // HEADS
    for i in range(LAYERS):
        p = f"{prefix}.encoder.layers.{i}"
        h = layer_norm(x, w, f"{p}.layer_norm1")
        q = linear(h, w, f"{p}.self_attn.q_proj") * hd ** -0.5
        k = linear(h, w, f"{p}.self_attn.k_proj")
        v = linear(h, w, f"{p}.self_attn.v_proj")
        out = np.zeros_like(h)
        for head in range(HEADS):
            s = slice(head * hd, (head + 1) * hd)
            scores = q[:, s] @ k[:, s].T
            if causal:
                scores = scores + np.triu(np.full((n, n), -np.inf), 1)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            out[:, s] = scores @ v[:, s]
        x = x + linear(out, w, f"{p}.self_attn.out_proj")
        h = layer_norm(x, w, f"{p}.layer_norm2")
        x = x + linear(quick_gelu(linear(h, w, f"{p}.mlp.fc1")), w, f"{p}.mlp.fc2")
    return x


def text_embedding(w, ids, eos):
    x = w["text_model.embeddings.token_embedding.weight"][ids]
    x = x + w["text_model.embeddings.position_embedding.weight"][: len(ids)]
    x = encoder(x, w, "text_model", causal=True)
    x = layer_norm(x, w, "text_model.final_layer_norm")
    # Hugging Face pools at the (first) end-of-text token.
    pooled = x[ids.index(eos)]
    return w["text_projection.weight"] @ pooled


def image_embedding(w, pixels):
    g = IMAGE // PATCH
    kernel = w["vision_model.embeddings.patch_embedding.weight"]
    patches = np.zeros((g * g, D_VISION))
    for gy in range(g):
        for gx in range(g):
            block = pixels[:, gy * PATCH:(gy + 1) * PATCH, gx * PATCH:(gx + 1) * PATCH]
            patches[gy * g + gx] = np.tensordot(kernel, block, axes=([1, 2, 3], [0, 1, 2]))
    x = np.vstack([w["vision_model.embeddings.class_embedding"][None], patches])
    x = x + w["vision_model.embeddings.position_embedding.weight"]
    x = layer_norm(x, w, "vision_model.pre_layrnorm")
    x = encoder(x, w, "vision_model", causal=False)
    pooled = layer_norm(x[0], w, "vision_model.post_layernorm")
    return w["visual_projection.weight"] @ pooled


def resize_crop(img):
    """CLIPImageProcessor's geometry: RGB, shortest side to IMAGE (PIL bicubic, the long
    side int(IMAGE * long / short)), centre crop; uint8, height x width x 3."""
    img = img.convert("RGB")
    w, h = img.size
    if w <= h:
        size = (IMAGE, int(IMAGE * h / w))
    else:
        size = (int(IMAGE * w / h), IMAGE)
    if size != (w, h):
        img = img.resize(size, Image.BICUBIC)
    a = np.asarray(img)
    top, left = (a.shape[0] - IMAGE) // 2, (a.shape[1] - IMAGE) // 2
    return a[top:top + IMAGE, left:left + IMAGE]


def preprocess(img):
    """The model's input: the crop scaled to [0, 1], normalised, channels first."""
    a = resize_crop(img).astype(np.float64) / 255.0
    a = (a - MEAN) / STD
    return a.transpose(2, 0, 1)


def cosine(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def main():
    MODEL.mkdir(parents=True, exist_ok=True)
    IMAGES.mkdir(parents=True, exist_ok=True)
    arrays, big = draw_images()
    for name, a in arrays.items():
        Image.fromarray(a).save(IMAGES / name)
    (IMAGES / "corrupt.png").write_bytes(b"this is not an image\n")
    Image.fromarray(big).save(MODEL.parent / "clip_resize.png")

    texts = [conversation_text(i, r) for _, _, i, r in RECORDS]
    vocab = make_vocab(texts)
    tok = write_tokenizer(vocab)
    tok.enable_truncation(MAX_POS)
    eos = vocab["<|endoftext|>"]
    for t in texts:
        assert tok.encode(t).ids == token_ids(vocab, t), t

    config = {
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "projection_dim": PROJ,
        "logit_scale_init_value": 2.6592,
        "text_config": {
            "model_type": "clip_text_model",
            "vocab_size": len(vocab),
            "hidden_size": D_TEXT,
            "intermediate_size": INTER,
            "num_hidden_layers": LAYERS,
            "num_attention_heads": HEADS,
            "max_position_embeddings": MAX_POS,
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
            "projection_dim": PROJ,
            "bos_token_id": vocab["<|startoftext|>"],
            "eos_token_id": eos,
        },
        "vision_config": {
            "model_type": "clip_vision_model",
            "hidden_size": D_VISION,
            "intermediate_size": INTER,
            "num_hidden_layers": LAYERS,
            "num_attention_heads": HEADS,
            "num_channels": 3,
            "image_size": IMAGE,
            "patch_size": PATCH,
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
            "projection_dim": PROJ,
        },
    }
    (MODEL / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (MODEL / "preprocessor_config.json").write_text(json.dumps({
        "crop_size": {"height": IMAGE, "width": IMAGE},
        "do_center_crop": True,
        "do_normalize": True,
        "do_resize": True,
        "image_mean": MEAN.tolist(),
        "image_std": STD.tolist(),
        "resample": 3,
        "size": {"shortest_edge": IMAGE},
    }, indent=2) + "\n")
    w = init_weights(len(vocab))
    write_safetensors(MODEL / "model.safetensors", w)

    text_refs = []
    for t in texts:
        ids = token_ids(vocab, t)
        text_refs.append({"text": t, "ids": ids, "embedding": text_embedding(w, ids, eos).tolist()})
    pixels = {n: preprocess(Image.open(IMAGES / n)) for n in arrays}
    # Paths below the repository's root.
    image_refs = [{"file": f"fixtures/clip/images/{n}", "embedding": image_embedding(w, p).tolist()}
                  for n, p in pixels.items()]
    big_pixels = preprocess(Image.open(MODEL.parent / "clip_resize.png"))
    image_refs.append({"file": "tests/reference/clip_resize.png",
                       "embedding": image_embedding(w, big_pixels).tolist()})

    emb = {n: np.array(r["embedding"]) for n, r in zip(pixels, image_refs)}
    records, data = [], []
    for (rid, imgs, ins, res), tr in zip(RECORDS, text_refs):
        t = np.array(tr["embedding"])
        readable = [i for i in imgs if i in emb]
        score = 100 * np.mean([cosine(t, emb[i]) for i in readable]) if readable else None
        records.append({"id": rid, "images": imgs, "score": score})
        row = {"id": rid, "conversations": [{"from": "human", "value": ins}, {"from": "gpt", "value": res}]}
        if len(imgs) == 1:
            row["image"] = imgs[0]
        elif imgs:
            row["images"] = imgs
        data.append(row)
    (FIXTURE / "data.json").write_text(json.dumps(data, indent=2) + "\n")

    photo_records, photo_data = [], []
    for rid, imgs, ins, res in PHOTOS:
        ids = token_ids(vocab, conversation_text(ins, res))
        assert tok.encode(conversation_text(ins, res)).ids == ids
        t = text_embedding(w, ids, eos)
        score = 100 * np.mean([cosine(t, image_embedding(w, preprocess(Image.open(IMAGES / i))))
                               for i in imgs])
        photo_records.append({"id": rid, "images": imgs, "score": score})
        photo_data.append({"id": rid, "image": imgs[0], "conversations": [
            {"from": "human", "value": ins}, {"from": "gpt", "value": res}]})
    (FIXTURE / "photos.json").write_text(json.dumps(photo_data, indent=2) + "\n")

    def rounded(a):
        return [round(float(x), 7) for x in np.ravel(a)]

    reference = {
        "about": "tests/reference/make_clip_reference.py: a tiny random CLIP (clip_tiny/) and a NumPy float64 forward pass of both towers; pixels are CLIPImageProcessor's (PIL bicubic resize, centre crop, normalise), channels first.",
        "texts": [{**r, "embedding": rounded(r["embedding"])} for r in text_refs],
        "images": [{**r, "embedding": rounded(r["embedding"])} for r in image_refs],
        # Resized and cropped RGB bytes (height x width x 3, row-major) of an image that
        # needs no resampling and of one that does.
        "crops": {
            "red.png": resize_crop(Image.open(IMAGES / "red.png")).ravel().tolist(),
            "clip_resize.png": resize_crop(Image.open(MODEL.parent / "clip_resize.png")).ravel().tolist(),
        },
        "records": records,
        # fixtures/clip/photos.json: real JPEG photographs, decoded by Pillow (libjpeg).
        "photo_records": photo_records,
    }
    (MODEL.parent / "clip_reference.json").write_text(json.dumps(reference) + "\n")
    for r in records + photo_records:
        print(r["id"], r["score"])


if __name__ == "__main__":
    main()
