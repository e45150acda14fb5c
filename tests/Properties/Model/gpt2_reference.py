#!/usr/bin/python3
"""PyTorch reference for Unlearning's GPT-2 engine (run with /usr/bin/python3, torch 1.13).

  gpt2_reference.py parity DIR.. for each DIR: read DIR/config.json, DIR/tokens.bin (int32 [B, T+1]: BOS then the
                                 sequence) and one raw little-endian float32 file per HF tensor
                                 (DIR/w/<name>.bin); write DIR/out/logits.bin ([B, T, V]),
                                 DIR/out/result.json (loss), DIR/out/grad/<name>.bin and, after one
                                 AdamW step with the settings in config.json, DIR/out/adamw/<name>.bin.
  gpt2_reference.py bench ...    time PyTorch's training step or forward pass (see bench/).

The model is Hugging Face's GPT-2 written out: Conv1D weights [in, out], GELU tanh ("gelu_new"),
pre-LayerNorm blocks, causal softmax attention with scale 1/sqrt(head size), LM head tied to wte.
"""
import json
import math
import os
import sys
import time

import torch


def names(cfg):
    out = ["wte.weight", "wpe.weight"]
    for l in range(cfg["n_layer"]):
        h = f"h.{l}."
        out += [h + s for s in ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                                "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                                "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"]]
    return out + ["ln_f.weight", "ln_f.bias"]


def shapes(cfg):
    V, P, C = cfg["vocab_size"], cfg["n_positions"], cfg["n_embd"]
    s = {"wte.weight": [V, C], "wpe.weight": [P, C], "ln_f.weight": [C], "ln_f.bias": [C]}
    for l in range(cfg["n_layer"]):
        h = f"h.{l}."
        s.update({h + "ln_1.weight": [C], h + "ln_1.bias": [C], h + "attn.c_attn.weight": [C, 3 * C],
                  h + "attn.c_attn.bias": [3 * C], h + "attn.c_proj.weight": [C, C], h + "attn.c_proj.bias": [C],
                  h + "ln_2.weight": [C], h + "ln_2.bias": [C], h + "mlp.c_fc.weight": [C, 4 * C],
                  h + "mlp.c_fc.bias": [4 * C], h + "mlp.c_proj.weight": [4 * C, C], h + "mlp.c_proj.bias": [C]})
    return s


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(cfg, p, idx):
    """idx: [B, T] int64 inputs. Returns logits [B, T, V]."""
    B, T = idx.shape
    C, H = cfg["n_embd"], cfg["n_head"]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    hs = C // H
    x = p["wte.weight"][idx] + p["wpe.weight"][:T].unsqueeze(0)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(cfg["n_layer"]):
        h = f"h.{l}."
        a = torch.nn.functional.layer_norm(x, (C,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps)
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]
        q, k, v = qkv.split(C, dim=2)
        q = q.view(B, T, H, hs).transpose(1, 2)
        k = k.view(B, T, H, hs).transpose(1, 2)
        v = v.view(B, T, H, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + (y @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"])
        m = torch.nn.functional.layer_norm(x, (C,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps)
        m = gelu_new(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"])
        x = x + (m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"])
    x = torch.nn.functional.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"], eps)
    return x @ p["wte.weight"].t()


def adamw(cfg, params):
    # Decoupled weight decay on matrices only (HF Trainer / nanoGPT convention): biases, LayerNorm
    # weights and nothing else of rank < 2 are not decayed.
    decay = [t for t in params if t.dim() >= 2]
    keep = [t for t in params if t.dim() < 2]
    o = cfg["adamw"]
    return torch.optim.AdamW([{"params": decay, "weight_decay": o["weight_decay"]},
                              {"params": keep, "weight_decay": 0.0}],
                             lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"])


def read_f32(path, shape):
    t = torch.from_file(path, size=math.prod(shape), dtype=torch.float32)
    return t.clone().view(*shape)


def parity(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    torch.set_num_threads(1)
    sh = shapes(cfg)
    p = {n: read_f32(os.path.join(d, "w", n + ".bin"), sh[n]).requires_grad_(True) for n in names(cfg)}
    B, T = cfg["batch"], cfg["context"]
    tok = torch.from_file(os.path.join(d, "tokens.bin"), size=B * (T + 1), dtype=torch.int32).view(B, T + 1).long()
    logits = forward(cfg, p, tok[:, :-1])
    loss = torch.nn.functional.cross_entropy(logits.reshape(B * T, -1), tok[:, 1:].reshape(-1))
    sign = cfg.get("loss_sign", 1.0)
    (sign * loss).backward()
    out = os.path.join(d, "out")
    os.makedirs(os.path.join(out, "grad"), exist_ok=True)
    os.makedirs(os.path.join(out, "adamw"), exist_ok=True)
    logits.detach().numpy().astype("<f4").tofile(os.path.join(out, "logits.bin"))
    for n in names(cfg):
        p[n].grad.numpy().astype("<f4").tofile(os.path.join(out, "grad", n + ".bin"))
    ordered = [p[n] for n in names(cfg)]
    gnorm = float(torch.nn.utils.clip_grad_norm_(ordered, cfg["adamw"]["clip"]))
    opt = adamw(cfg, ordered)
    opt.step()
    for n in names(cfg):
        p[n].detach().numpy().astype("<f4").tofile(os.path.join(out, "adamw", n + ".bin"))
    json.dump({"loss": float(loss), "grad_norm": gnorm}, open(os.path.join(out, "result.json"), "w"))


def bench(args):
    """bench train|score  layers embd heads ctx batch vocab threads iters: prints one time (ms) per line."""
    mode = args[0]
    L, C, H, T, B, V, threads, iters = map(int, args[1:9])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = {"vocab_size": V, "n_positions": T, "n_embd": C, "n_layer": L, "n_head": H}
    sh = shapes(cfg)
    p = {n: (torch.randn(*sh[n]) * 0.02).requires_grad_(True) for n in names(cfg)}
    ordered = [p[n] for n in names(cfg)]
    cfg["adamw"] = {"lr": 1e-4, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1}
    opt = adamw(cfg, ordered)
    tok = torch.randint(0, V, (B, T + 1))
    for i in range(iters):
        t0 = time.perf_counter()
        if mode == "train":
            opt.zero_grad(set_to_none=True)
            logits = forward(cfg, p, tok[:, :-1])
            loss = torch.nn.functional.cross_entropy(logits.reshape(B * T, -1), tok[:, 1:].reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(ordered, 1.0)
            opt.step()
        else:
            with torch.no_grad():
                logits = forward(cfg, p, tok[:, :-1])
                lp = torch.log_softmax(logits, dim=-1)
                nll = -lp.gather(2, tok[:, 1:].unsqueeze(2)).squeeze(2).sum(1)
                float(nll.sum())
        print(f"{(time.perf_counter() - t0) * 1000:.3f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "parity":
        for d in sys.argv[2:]:
            parity(d)
    elif sys.argv[1] == "bench":
        bench(sys.argv[2:])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
