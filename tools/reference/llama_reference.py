#!/usr/bin/python3
"""Reference Llama forward passes for shapes the transformers fixtures lack (MQA, other head dims, linear and
Llama 3.1 RoPE scaling, bf16 weights), written with plain PyTorch ops following Hugging Face's
modeling_llama conventions (eager attention):

  - RMSNorm: x in float32, x * rsqrt(mean(x^2) + eps), then weight * x
  - RoPE: inv_freq = 1 / theta ** (arange(0, d, 2) / d); rotate halves: x * cos + cat(-x2, x1) * sin;
    "linear" scaling divides inv_freq by factor; "llama3" scaling as _compute_llama3_parameters
  - attention: key/value head j serves query heads j*g .. j*g+g-1 (repeat_kv = repeat_interleave),
    softmax(q k^T / sqrt(d) + causal) v, in float32
  - MLP: down(silu(gate(x)) * up(x)); tied embeddings reuse embed_tokens as the LM head

Run with Debian's python3-torch (apt-get install -y --no-install-recommends python3-torch):
    /usr/bin/python3 tools/reference/llama_reference.py tools/reference/engine-ref
    /usr/bin/python3 tools/reference/llama_reference.py --check tests/fixtures/hf-llama   # self-check vs transformers
It writes, per model, DIR/<name>/config.json + model.safetensors (Hugging Face layout), and DIR/refs.safetensors
with <name>.input_i (int64), <name>.positions_i (int64), <name>.logits_i (float32) and <name>.greedy_i (int64:
the input followed by 8 greedy tokens, recomputed without a cache).
No safetensors package needed: the writer below follows the format (u64 header length, JSON header, raw LE data).
"""
import json
import math
import os
import struct
import sys

import torch

DTYPES = {torch.float32: "F32", torch.bfloat16: "BF16", torch.float16: "F16", torch.int64: "I64"}


def save_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def inv_freq(cfg):
    d = cfg["head_dim"]
    base = cfg["rope_theta"]
    inv = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    s = cfg.get("rope_scaling")
    if s is None:
        return inv
    if s["rope_type"] == "linear":
        return inv / s["factor"]
    factor, low, high, old = s["factor"], s["low_freq_factor"], s["high_freq_factor"], s["original_max_position_embeddings"]
    low_wavelen = old / low
    high_wavelen = old / high
    wavelen = 2 * math.pi / inv
    inv_l = torch.where(wavelen > low_wavelen, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, inv_l)


def rms_norm(x, w, eps):
    x = x.float()
    x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return w * x


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def forward(cfg, w, ids, pos):
    """ids, pos: [T] int64 -> logits [T, vocab] float32."""
    t = ids.shape[0]
    h_q, h_kv, d = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    g = h_q // h_kv
    eps = cfg["rms_norm_eps"]
    freqs = pos.float()[:, None] * inv_freq(cfg)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    x = w["model.embed_tokens.weight"][ids]
    causal = torch.full((t, t), float("-inf")).triu(1)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        y = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (y @ w[p + "self_attn.q_proj.weight"].T).view(t, h_q, d).transpose(0, 1)
        k = (y @ w[p + "self_attn.k_proj.weight"].T).view(t, h_kv, d).transpose(0, 1)
        v = (y @ w[p + "self_attn.v_proj.weight"].T).view(t, h_kv, d).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(g, dim=0)
        v = v.repeat_interleave(g, dim=0)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d) + causal, dim=-1, dtype=torch.float32)
        o = (att @ v).transpose(0, 1).reshape(t, h_q * d)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        y = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        m = torch.nn.functional.silu(y @ w[p + "mlp.gate_proj.weight"].T) * (y @ w[p + "mlp.up_proj.weight"].T)
        x = x + m @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


def make(name, out, refs, gen, vocab, hidden, inter, layers, heads, kv, head_dim, theta, scaling, tied, dtype,
         lengths, pos_offsets):
    cfg = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
        "attention_bias": False, "mlp_bias": False, "bos_token_id": 1, "eos_token_id": [2, 3],
        "torch_dtype": dtype, "max_position_embeddings": 512, "vocab_size": vocab, "hidden_size": hidden,
        "intermediate_size": inter, "num_hidden_layers": layers, "num_attention_heads": heads,
        "num_key_value_heads": kv, "head_dim": head_dim, "rms_norm_eps": 1e-5, "rope_theta": theta,
        "rope_scaling": scaling, "tie_word_embeddings": tied,
    }
    w = {"model.embed_tokens.weight": torch.randn(vocab, hidden, generator=gen) * 0.1,
         "model.norm.weight": 1 + torch.randn(hidden, generator=gen) * 0.1}
    for i in range(layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + torch.randn(hidden, generator=gen) * 0.1
        w[p + "post_attention_layernorm.weight"] = 1 + torch.randn(hidden, generator=gen) * 0.1
        w[p + "self_attn.q_proj.weight"] = torch.randn(heads * head_dim, hidden, generator=gen) * 0.1
        w[p + "self_attn.k_proj.weight"] = torch.randn(kv * head_dim, hidden, generator=gen) * 0.1
        w[p + "self_attn.v_proj.weight"] = torch.randn(kv * head_dim, hidden, generator=gen) * 0.1
        w[p + "self_attn.o_proj.weight"] = torch.randn(hidden, heads * head_dim, generator=gen) * 0.1
        w[p + "mlp.gate_proj.weight"] = torch.randn(inter, hidden, generator=gen) * 0.1
        w[p + "mlp.up_proj.weight"] = torch.randn(inter, hidden, generator=gen) * 0.1
        w[p + "mlp.down_proj.weight"] = torch.randn(hidden, inter, generator=gen) * 0.1
    if not tied:
        w["lm_head.weight"] = torch.randn(vocab, hidden, generator=gen) * 0.1
    stored = {k: v.to(getattr(torch, dtype)) for k, v in w.items()}
    w = {k: v.float() for k, v in stored.items()}  # the reference computes with the stored (rounded) values
    os.makedirs(os.path.join(out, name), exist_ok=True)
    with open(os.path.join(out, name, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    save_safetensors(os.path.join(out, name, "model.safetensors"), stored, {"format": "pt"})
    with torch.no_grad():
        for i, (n, off) in enumerate(zip(lengths, pos_offsets)):
            ids = torch.randint(0, vocab, (n,), generator=gen)
            pos = torch.arange(off, off + n)
            refs[f"{name}.input_{i}"] = ids
            refs[f"{name}.positions_{i}"] = pos
            refs[f"{name}.logits_{i}"] = forward(cfg, w, ids, pos).float()
            seq = ids.clone()
            for _ in range(8):
                p = torch.arange(off, off + seq.shape[0])
                nxt = forward(cfg, w, seq, p)[-1].argmax()
                seq = torch.cat((seq, nxt.view(1)))
            refs[f"{name}.greedy_{i}"] = seq


def load_safetensors(path):
    import numpy as np
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        np_dtype = {"F32": np.float32, "I64": np.int64, "BF16": np.int16, "F16": np.float16}[e["dtype"]]
        t = torch.from_numpy(np.frombuffer(data[b:end], dtype=np_dtype).copy()).reshape(e["shape"])
        out[name] = t.view(torch.bfloat16) if e["dtype"] == "BF16" else t
    return out


def check_against_transformers(fixtures):
    """Self-check: this reference reproduces the logits transformers wrote into tests/fixtures/hf-llama."""
    refs = load_safetensors(os.path.join(fixtures, "refs.safetensors"))
    for name in ("tiny-llama3-gqa", "tiny-llama2-mha-tied"):
        with open(os.path.join(fixtures, name, "config.json")) as f:
            cfg = json.load(f)
        w = {k: v.float() for k, v in load_safetensors(os.path.join(fixtures, name, "model.safetensors")).items()}
        for i in range(2):
            ids = refs[f"{name}.input_{i}"]
            ours = forward(cfg, w, ids, torch.arange(ids.shape[0]))
            err = (ours - refs[f"{name}.logits_{i}"]).abs().max().item()
            print(f"{name} case {i}: max abs error vs transformers {err:.2e}")
            assert err < 1e-4, err


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        check_against_transformers(sys.argv[2])
        return
    out = sys.argv[1] if len(sys.argv) > 1 else "tools/reference/engine-ref"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    refs = {}
    # MQA (one kv head), head_dim 12 (not hidden / heads), no scaling, untied
    make("mqa-hd12", out, refs, gen, 96, 40, 64, 2, 4, 1, 12, 10000.0, None, False, "float32", [7, 33], [0, 0])
    # GQA 6 heads / 2 kv, head_dim 6, linear scaling, tied embeddings, positions offset by 50
    make("gqa-hd6-linear-tied", out, refs, gen, 96, 32, 48, 2, 6, 2, 6, 10000.0,
         {"rope_type": "linear", "factor": 2.0}, True, "float32", [9, 20], [0, 50])
    # GQA 8 heads / 4 kv, head_dim 16, Llama 3.1 scaling with a short original context, positions past it
    make("gqa-hd16-llama31", out, refs, gen, 96, 48, 96, 3, 8, 4, 16, 500000.0,
         {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 16}, False, "float32", [12, 40], [0, 100])
    # MHA, head_dim 4, weights stored as bf16
    make("mha-hd4-bf16", out, refs, gen, 96, 24, 40, 2, 6, 6, 4, 10000.0, None, False, "bfloat16", [6, 25], [0, 0])
    save_safetensors(os.path.join(out, "refs.safetensors"), refs, {"torch": torch.__version__,
                                                                    "script": "tools/reference/llama_reference.py"})


if __name__ == "__main__":
    main()
