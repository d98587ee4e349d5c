#!/usr/bin/env bash
# Data-parallel scaling of `catpot train` over MPI (issue 16), about 4 minutes on 2 idle cores:
#  1. throughput: 1 rank × 1 thread vs 2 ranks × 1 thread, EPOCHS epochs on the xtb4 training set (8,550 structures), the
#     same model and settings, alternating (ROUNDS rounds); prints the training-loop structures/s of the last epoch of
#     each run (rank 0's epoch record in metrics.jsonl: JIT warm, neighbour lists cached) and the ratio of each round;
#  2. correctness: 4 ranks (oversubscribed) vs one process with --micro-batches 4 on the xtb4 validation set, 2 epochs:
#     model.safetensors and test-metrics.json must be byte-identical.
# Run it on a machine with at least 2 idle cores: on a loaded machine the ratio says nothing about scaling.
# Usage: bench/mpi-scaling.sh [XTB4_DIR]      (default ../shared/data/xtb4)
#   ROUNDS=2 EPOCHS=2 FEATURES=64 LAYERS=2 (model of the throughput runs), OUT=dir (kept; default a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/xtb4}
ROUNDS=${ROUNDS:-2}
EPOCHS=${EPOCHS:-2}
FEATURES=${FEATURES:-64}
LAYERS=${LAYERS:-2}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
command -v mpirun > /dev/null || { echo "mpirun is not on PATH (Debian: apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 2; }
dotnet build src/CatPot.Cli -c Release -v q -nologo > /dev/null
CATPOT="dotnet src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll"
MPI=(mpirun --bind-to none)
[[ $(id -u) == 0 ]] && MPI+=(--allow-run-as-root)
T=$DATA/train.extxyz V=$DATA/val.extxyz
COMMON=(train --train "$T" --val "$V" --test none --epochs "$EPOCHS" --threads 1 --seed 1 --features "$FEATURES" --layers "$LAYERS"
        --forces direct --no-uncertainty)
rate() { /usr/bin/python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1]; print("%.1f" % r["structures_per_second"])' "$1/metrics.jsonl"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "model: --features $FEATURES --layers $LAYERS, direct forces, $EPOCHS epochs of $(grep -c Properties "$T") structures (last epoch timed), --max-atoms 1000"
echo "| round | 1 rank (struct/s) | 2 ranks (struct/s) | ratio | load after |"
echo "|---|---|---|---|---|"
for r in $(seq 1 "$ROUNDS"); do
  rm -rf "$OUT/r1-$r" "$OUT/r2-$r"
  $CATPOT "${COMMON[@]}" --out "$OUT/r1-$r" > "$OUT/r1-$r.log" 2>&1
  "${MPI[@]}" -np 2 $CATPOT "${COMMON[@]}" --out "$OUT/r2-$r" > "$OUT/r2-$r.log" 2>&1
  a=$(rate "$OUT/r1-$r"); b=$(rate "$OUT/r2-$r")
  echo "| $r | $a | $b | $(/usr/bin/python3 -c "print(f'{$b/$a:.2f}')") | $(cut -d' ' -f1 /proc/loadavg) |"
done

echo
echo "correctness: 4 ranks (--oversubscribe) vs one process with --micro-batches 4, $V as training, validation and test set, 2 epochs"
SMALL=(train --train "$V" --val "$V" --test "$V" --epochs 2 --threads 1 --seed 3 --features 16 --layers 1 --forces direct --no-uncertainty --json)
rm -rf "$OUT/c1" "$OUT/c4"
$CATPOT "${SMALL[@]}" --micro-batches 4 --out "$OUT/c1" > "$OUT/c1.log" 2>&1
"${MPI[@]}" --oversubscribe -np 4 $CATPOT "${SMALL[@]}" --out "$OUT/c4" > "$OUT/c4.log" 2>&1
ok=1
for f in model.safetensors last.safetensors test-metrics.json; do
  if cmp -s "$OUT/c1/$f" "$OUT/c4/$f"; then echo "  $f: byte-identical"; else echo "  $f: DIFFERS"; ok=0; fi
done
echo "outputs in $OUT"
[[ $ok == 1 ]] || { echo "FAILED: 4 ranks differ from --micro-batches 4" >&2; exit 1; }
