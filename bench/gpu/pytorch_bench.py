"""PyTorch eager reference timings for bench/gpu/run: the same GPT-2 (HF layouts, GELU tanh, tied
embeddings), AdamW with weight decay on matrices only, clipping at 1.0, as our torch engine.

  python3 pytorch_bench.py train|score LAYERS EMBD HEADS CTX BATCH VOCAB ITERS DEVICE fp32|bf16

prints one time in ms per iteration (the device synchronised before each reading). bf16 is
torch.autocast(bfloat16) over fp32 weights: PyTorch's usual mixed precision.
"""
import math
import sys
import time

import torch
import torch.nn.functional as F


def params(L, C, V, T, device):
    g = torch.Generator().manual_seed(0)

    def normal(*shape, std=0.02):
        return (torch.randn(*shape, generator=g) * std).to(device).requires_grad_(True)

    def const(value, *shape):
        return torch.full(shape, value, dtype=torch.float32, device=device).requires_grad_(True)

    p = {"wte": normal(V, C), "wpe": normal(T, C)}
    for l in range(L):
        p.update({f"{l}.ln1w": const(1.0, C), f"{l}.ln1b": const(0.0, C),
                  f"{l}.attnw": normal(C, 3 * C), f"{l}.attnb": const(0.0, 3 * C),
                  f"{l}.projw": normal(C, C, std=0.02 / math.sqrt(2 * L)), f"{l}.projb": const(0.0, C),
                  f"{l}.ln2w": const(1.0, C), f"{l}.ln2b": const(0.0, C),
                  f"{l}.fcw": normal(C, 4 * C), f"{l}.fcb": const(0.0, 4 * C),
                  f"{l}.mprojw": normal(4 * C, C, std=0.02 / math.sqrt(2 * L)), f"{l}.mprojb": const(0.0, C)})
    p["lnfw"] = const(1.0, C)
    p["lnfb"] = const(0.0, C)
    return p


def attention(q, k, v):
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    T = q.shape[-2]
    att = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    att = att.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool, device=q.device)), float("-inf"))
    return att.softmax(-1) @ v


def forward(p, L, H, idx):
    B, T = idx.shape
    C = p["wte"].shape[1]
    x = p["wte"][idx] + p["wpe"][:T]
    for l in range(L):
        a = F.layer_norm(x, (C,), p[f"{l}.ln1w"], p[f"{l}.ln1b"], 1e-5)
        qkv = torch.addmm(p[f"{l}.attnb"], a.view(B * T, C), p[f"{l}.attnw"]).view(B, T, 3, H, C // H).permute(2, 0, 3, 1, 4)
        y = attention(qkv[0], qkv[1], qkv[2]).transpose(1, 2).reshape(B * T, C)
        x = x + torch.addmm(p[f"{l}.projb"], y, p[f"{l}.projw"]).view(B, T, C)
        m = F.layer_norm(x, (C,), p[f"{l}.ln2w"], p[f"{l}.ln2b"], 1e-5)
        m = F.gelu(torch.addmm(p[f"{l}.fcb"], m.view(B * T, C), p[f"{l}.fcw"]), approximate="tanh")
        x = x + torch.addmm(p[f"{l}.mprojb"], m, p[f"{l}.mprojw"]).view(B, T, C)
    x = F.layer_norm(x, (C,), p["lnfw"], p["lnfb"], 1e-5)
    return x.view(B * T, C) @ p["wte"].t()


def main(argv):
    mode = argv[0]
    L, C, H, T, B, V, iters = map(int, argv[1:8])
    device, precision = argv[8], argv[9]
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    p = params(L, C, V, T, device)
    ordered = list(p.values())
    opt = torch.optim.AdamW([{"params": [t for t in ordered if t.dim() >= 2], "weight_decay": 0.1},
                             {"params": [t for t in ordered if t.dim() < 2], "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    tok = torch.randint(0, V, (B, T + 1), generator=torch.Generator().manual_seed(1)).to(device)
    inputs, targets = tok[:, :-1], tok[:, 1:].reshape(-1)
    autocast = torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=precision == "bf16") if device == "cuda" else torch.autocast(device_type="cpu", enabled=False)
    for _ in range(iters):
        sync()
        t0 = time.perf_counter()
        if mode == "train":
            opt.zero_grad(set_to_none=True)
            with autocast:
                logits = forward(p, L, H, inputs)
            loss = F.cross_entropy(logits.float(), targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(ordered, 1.0)
            opt.step()
            float(loss)
        else:
            with torch.no_grad(), autocast:
                logits = forward(p, L, H, inputs)
            lp = logits.float().log_softmax(-1)
            float(-lp.gather(1, targets.view(-1, 1)).sum())
        sync()
        print(f"{(time.perf_counter() - t0) * 1000:.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
