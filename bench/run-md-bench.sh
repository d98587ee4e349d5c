#!/usr/bin/env bash
# MD step time on aspirin: CatPot vs the PyTorch peer (same model file) vs one GFN2-xTB gradient, in one run.
# Usage: bench/run-md-bench.sh [MODEL] [STEPS]
# MODEL defaults to the peer's trained HL-Gauss model (F=128, L=3, K=128), which both implementations load.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-../shared/peer/results/train_hlgauss/model_final.safetensors}
STEPS=${2:-200}
MOL=../shared/data/md-aspirin/aspirin.extxyz
TMP=$(mktemp -d)
head -23 "$MOL" > "$TMP/aspirin0.extxyz"
dotnet build src/CatPot.Cli -c Release -v q -nologo > /dev/null
CATPOT="dotnet src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# CatPot: the same 200 steps as the peer (velocity Verlet from the first frame, 0.5 fs, conservative forces), run
# three times; per-step median from `catpot md --log`. (Longer runs are not comparable: with this model the NVE run
# heats up and blows apart after ~2,000 steps, and steps with no edges left are nearly free.)
for r in 1 2 3; do
  $CATPOT md "$MODEL" "$TMP/aspirin0.extxyz" --steps "$STEPS" --dt 0.5 -T 300 --interval 1 --log "$TMP/md$r.json" -o "$TMP/md$r.extxyz" > /dev/null 2>&1
  python3 - "$TMP/md$r.json" "$TMP/md$r.extxyz" "$r" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t_end = [l for l in open(sys.argv[2]) if "temperature=" in l][-1].split("temperature=")[1].split()[0]
print(f"catpot md run {sys.argv[3]} (2 threads): median step {1e3*d['step_median_s']:.3f} ms (p10 {1e3*d['step_p10_s']:.3f}, "
      f"p90 {1e3*d['step_p90_s']:.3f}) over {d['steps']} steps; mean T {d['mean_temperature_K']:.0f} K, final T {float(t_end):.0f} K")
PY
done
# Peer: its own MD loop (velocity Verlet, conservative forces, neighbour list each step), median step.
for t in 2 1; do
  /usr/bin/python3 ../shared/peer/bench_ref.py --md-molecule "$MOL" --md-steps "$STEPS" --threads $t --model "$MODEL" > "$TMP/peer$t.json" 2> /dev/null
  python3 -c "import json;d=json.load(open('$TMP/peer$t.json'));m=d.get('md',d);print('peer md ($t threads):', json.dumps({k:v for k,v in m.items() if 'ms' in k or 'step' in k}))"
done
# xtb: one GFN2-xTB energy+gradient, its own total wall time, 1 OpenMP thread, median of 9.
if command -v xtb > /dev/null; then
  python3 - "$TMP" <<'PY'
import sys
tmp = sys.argv[1]
lines = open(f"{tmp}/aspirin0.extxyz").read().splitlines()
n = int(lines[0])
open(f"{tmp}/aspirin.xyz", "w").write("\n".join([str(n), "aspirin"] + [" ".join(l.split()[:4]) for l in lines[2:2 + n]]) + "\n")
PY
  (cd "$TMP" && for i in $(seq 1 9); do OMP_NUM_THREADS=1 xtb aspirin.xyz --gfn 2 --grad --acc 0.01 2>&1 | grep -A1 " total:" | grep wall | awk '{print $(NF-1)}'; done) \
    | sort -n | awk '{a[NR]=$1} END {printf "xtb GFN2 gradient (1 thread): median %.1f ms, min %.1f ms over %d runs\n", a[int((NR+1)/2)]*1000, a[1]*1000, NR}'
else
  echo "xtb not installed (apt-get install xtb) — skipped"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$TMP"
