#!/usr/bin/env bash
# Runs the CatPot GEMM benchmark (BenchmarkDotNet) and PyTorch's CPU matmul at the same float32 shapes, one after
# the other in the same run, and prints a markdown table: shape, CatPot GFLOP/s, PyTorch GFLOP/s, ratio.
# Both sides use 2 threads. Usage: bench/run-gemm-bench.sh [artifacts-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts="${1:-$(mktemp -d /tmp/catpot-gemm-bench.XXXXXX)}"
mkdir -p "$artifacts"

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/gemm_torch.py --threads 2 > "$artifacts/torch.json"
dotnet run -c Release --project bench/CatPot.Bench -- --filter '*GemmBenchmarks*' --exporters json \
  --artifacts "$artifacts/bdn" > "$artifacts/bdn.log" 2>&1 || { tail -50 "$artifacts/bdn.log" >&2; exit 1; }
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$artifacts" <<'PY'
import glob, json, re, sys
art = sys.argv[1]
torch = json.load(open(f"{art}/torch.json"))
report = glob.glob(f"{art}/bdn/results/*GemmBenchmarks*-report-full*.json")[0]
bdn = json.load(open(report))
catpot = {}
for b in bdn["Benchmarks"]:
    # "Parameters" is abbreviated by BenchmarkDotNet; the full shape name is in "FullName": ...Multiply(Shape: NAME)
    shape = re.search(r"Shape: ([^,)]+)", b["FullName"]).group(1)
    catpot[shape] = b["Statistics"]["Median"]
print(f"PyTorch {torch['torch']} ({torch['threads']} threads) vs CatPot GEMM (2 threads), float32, median GFLOP/s\n")
print("| shape (C = op(A)·op(B)) | CatPot GFLOP/s | PyTorch GFLOP/s | ratio |")
print("| --- | ---: | ---: | ---: |")
sys.path.insert(0, "bench")
from gemm_torch import SHAPES
for name, ta, tb, m, n, k in SHAPES:
    ns = catpot.get(name)
    ours = 2.0 * m * n * k / ns if ns else float("nan")
    theirs = torch["gflops"][name]
    print(f"| {name} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f} |")
PY
