#!/usr/bin/python3
"""PyTorch CPU matmul at the same float32 GEMM shapes as bench/CatPot.Bench/GemmShape.cs.

Prints one JSON object {name: GFLOP/s} (median over many timed repetitions) on stdout.
Usage: /usr/bin/python3 bench/gemm_torch.py [--threads 2] [--seconds 1.0]
"""
import argparse
import json
import os
import statistics
import time

# Must be set before torch (and its OpenMP runtime) loads: idle OpenMP workers sleep instead of spinning,
# the same courtesy the .NET thread pool gives, so neither side steals the other's cores.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

# name, transA, transB, m, n, k  (C[m x n] = op(A) op(B)); keep in sync with GemmShape.ModelShapes.
SHAPES = [
    ("fwd_1000x128.128x384", False, False, 1000, 384, 128),
    ("fwd_30000x20.20x384", False, False, 30000, 384, 20),
    ("fwd_1000x256.256x128", False, False, 1000, 128, 256),
    ("dW_384x1000.1000x128_tA", True, False, 384, 128, 1000),
    ("dW_20x30000.30000x384_tA", True, False, 20, 384, 30000),
    ("dW_256x1000.1000x128_tA", True, False, 256, 128, 1000),
    ("dX_1000x384.384x128_tB", False, True, 1000, 128, 384),
    ("dX_30000x384.384x20_tB", False, True, 30000, 20, 384),
    ("dX_1000x128.128x256_tB", False, True, 1000, 256, 128),
    ("small_21x128.128x128", False, False, 21, 128, 128),
]


def measure(trans_a, trans_b, m, n, k, seconds):
    gen = torch.Generator().manual_seed(42)
    # Stored layouts match the C# side: A is k x m when transposed, B is n x k when transposed; .t() is a view,
    # so the BLAS call receives the transpose flag rather than a copied matrix.
    a = torch.rand((k, m) if trans_a else (m, k), generator=gen, dtype=torch.float32) - 0.5
    b = torch.rand((n, k) if trans_b else (k, n), generator=gen, dtype=torch.float32) - 0.5
    op_a = a.t() if trans_a else a
    op_b = b.t() if trans_b else b
    out = torch.empty((m, n), dtype=torch.float32)
    for _ in range(3):
        torch.matmul(op_a, op_b, out=out)
    # Batch calls so each timed sample is at least ~1 ms, then take the median of the samples.
    start = time.perf_counter()
    torch.matmul(op_a, op_b, out=out)
    once = max(time.perf_counter() - start, 1e-7)
    batch = max(1, int(1e-3 / once))
    samples = []
    deadline = time.perf_counter() + seconds
    while len(samples) < 15 or time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(batch):
            torch.matmul(op_a, op_b, out=out)
        samples.append((time.perf_counter() - start) / batch)
        if len(samples) >= 2000:
            break
    return 2.0 * m * n * k / statistics.median(samples) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0, help="minimum timing time per shape")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {name: measure(ta, tb, m, n, k, args.seconds) for name, ta, tb, m, n, k in SHAPES}
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "gflops": results}))


if __name__ == "__main__":
    main()
