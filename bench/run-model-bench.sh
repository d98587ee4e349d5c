#!/usr/bin/env bash
# CatPot vs the PyTorch peer, back to back on the same machine: training step (HL-Gauss, direct forces,
# batches of <= 1000 atoms, fwd + loss + bwd + AdamW) and single-molecule latency. Prints both JSONs and a
# table with ratios (peer time / CatPot time: > 1 means CatPot is faster) and the load during each run.
# Both time the same latency molecule: the first frame of DATA with the atom count closest to 21 (the peer's rule).
# Usage: bench/run-model-bench.sh [DATA] [STEPS]    (CATPOT="cmd" overrides the catpot command)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-/work/shared/data/xtb4/train.extxyz}"
steps="${2:-20}"
out="${BENCH_OUT:-$(mktemp -d)}"
catpot="${CATPOT:-}"
if [[ -z "$catpot" ]]; then
  dotnet build "$here/src/CatPot.Cli" -c Release -v quiet >/dev/null
  catpot="dotnet $here/src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll"
fi
echo "load before: $(cat /proc/loadavg)" >&2
$catpot bench --data "$data" --head hlgauss --max-atoms 1000 --steps "$steps" --threads 2 > "$out/catpot.json"
echo "load between: $(cat /proc/loadavg)" >&2
/usr/bin/python3 /work/shared/peer/bench_ref.py --data "$data" --head hlgauss --batch-atoms 1000 --steps "$steps" --threads 2 > "$out/peer_train.json"
echo "load after: $(cat /proc/loadavg)" >&2
/usr/bin/python3 - "$out/catpot.json" "$out/peer_train.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
ct, pt = c["train"], p["train"]
rows = [
    ("training step, median (s)", pt["step"]["median_s"], ct["step"]["median_s"]),
    ("training step, p10 (s)", pt["step"]["p10_s"], ct["step"]["p10_s"]),
    ("training step, p90 (s)", pt["step"]["p90_s"], ct["step"]["p90_s"]),
    ("latency energy + direct forces (ms)", 1e3 * p["inference"]["energy_direct_forces"]["median_s"], 1e3 * c["inference"]["energy_direct_forces"]["median_s"]),
    ("latency energy + conservative forces (ms)", 1e3 * p["inference"]["energy_conservative_forces"]["median_s"], 1e3 * c["inference"]["energy_conservative_forces"]["median_s"]),
]
print(f"| what | peer (PyTorch) | CatPot | peer / CatPot |")
print("|---|---|---|---|")
for name, a, b in rows:
    print(f"| {name} | {a:.4g} | {b:.4g} | {a / b:.2f}x |")
ci = c["inference"]
print(f"| CatPot latency on 1 thread, direct / conservative (ms) | | {1e3*ci['one_thread']['energy_direct_forces']['median_s']:.3g} / {1e3*ci['one_thread']['energy_conservative_forces']['median_s']:.3g} | |")
print()
print(f"peer batches: {pt['mean_batch_structures']:.1f} structures, {pt['mean_batch_atoms']:.0f} atoms, {pt['mean_batch_edges']:.0f} edges; "
      f"CatPot batches: {ct['mean_batch_structures']:.1f}, {ct['mean_batch_atoms']:.0f}, {ct['mean_batch_edges']:.0f}")
print(f"peer latency molecule: {p['inference']['n_atoms']} atoms, {p['inference']['n_edges']} edges; CatPot: {ci['n_atoms']} atoms, {ci['n_edges']} edges ({ci['source']})")
print(f"CatPot phases (median s): " + ", ".join(f"{k} {v['median_s']:.4f}" for k, v in ct["phases"].items()))
for k in ("energy_direct_forces", "energy_conservative_forces"):
    e = ci[k]
    print(f"CatPot {k}: GEMM work {1e3*e['gemm_gflop']:.1f} MFLOP per call = {e['gemm_gflops_at_median']:.1f} GFLOP/s at the median, {100*e['fraction_of_gemm_rate']:.1f}% of the GEMM rate below")
print(f"CatPot GEMM work {ct['gemm_gflop_per_step']:.2f} GFLOP/step = {ct['gemm_gflops_at_median']:.1f} GFLOP/s at the median step; "
      f"one {c['gemm']['shape']} GEMM runs at {c['gemm']['gflops']:.1f} GFLOP/s -> {100*c['gemm']['training_step_fraction_of_gemm_rate']:.1f}% of it")
print(f"other processes (cores): CatPot train {ct['other_processes_cpu_cores']}, latency {ci['other_processes_cpu_cores']}; "
      f"peer train {pt['other_processes_cpu_cores']}, latency {p['inference']['other_processes_cpu_cores']}")
print(f"loadavg: CatPot {c['loadavg_before']} -> {c['loadavg_after']}; peer {p['loadavg_before']} -> {p['loadavg_after']}")
PY
echo "raw JSON: $out" >&2
