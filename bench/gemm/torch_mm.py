#!/usr/bin/python3
"""PyTorch's side of bench/gemm/run: times torch.mm / torch.bmm on the shapes given as
"m,n,k[,tA,tB[,batch]]" and prints "torch m n k tA tB batch threads median_ms best_ms gflops_median"
per shape. With --cpu (for one thread only) the times are the thread's CPU time. Transposed operands are passed as transposed views, so OpenBLAS gets the transpose
flags (no copy), like our Gemm.Multiply gets transA/transB."""
import sys
import time

import torch

threads, reps, cpu = 2, 10, False
shapes = []
args = sys.argv[1:]
i = 0
while i < len(args):
    if args[i] == "--threads":
        threads = int(args[i + 1]); i += 2; continue
    if args[i] == "--cpu":
        cpu = True; i += 1; continue
    if args[i] == "--reps":
        reps = int(args[i + 1]); i += 2; continue
    f = [int(x) for x in args[i].split(",")]
    f += [0] * (6 - len(f))
    shapes.append((f[0], f[1], f[2], f[3], f[4], f[5] or 1 if len(f) > 5 else 1))
    i += 1

torch.set_num_threads(threads)
torch.manual_seed(1)
for m, n, k, ta, tb, batch in shapes:
    b_ = batch
    a = torch.rand(b_, k, m) - 0.5 if ta else torch.rand(b_, m, k) - 0.5
    b = torch.rand(b_, n, k) - 0.5 if tb else torch.rand(b_, k, n) - 0.5
    a = a.transpose(1, 2) if ta else a
    b = b.transpose(1, 2) if tb else b
    if batch == 1:
        a, b = a[0], b[0]
        c = torch.empty(m, n)
        op = lambda: torch.mm(a, b, out=c)
    else:
        c = torch.empty(batch, m, n)
        op = lambda: torch.bmm(a, b, out=c)
    for _ in range(3):
        op()
    times = []
    for _ in range(reps):
        clock = time.thread_time if cpu else time.perf_counter
        t = clock()
        op()
        times.append((clock() - t) * 1e3)
    times.sort()
    med = times[reps // 2]
    print(f"torch {m} {n} {k} {ta} {tb} {batch} {threads} {med:.3f} {times[0]:.3f} {2.0 * batch * m * n * k / (med * 1e6):.1f}", flush=True)
