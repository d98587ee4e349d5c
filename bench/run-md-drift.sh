#!/usr/bin/env bash
# NVE energy drift on aspirin (issue 6): trains two small models on a time-block split of md-aspirin — one on
# conservative forces, one on direct forces — then runs 1 ps of velocity Verlet (0.5 fs, 300 K initial velocities,
# seed 1) with conservative and with direct forces, and a heating run with the uncertainty guard.
# Usage: bench/run-md-drift.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/catpot-md-drift}
mkdir -p "$OUT"
dotnet build src/CatPot.Cli -c Release -v q -nologo > /dev/null
CATPOT="dotnet src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll"
python3 tools/split_frames.py ../shared/data/md-aspirin/aspirin.extxyz "$OUT/data" train:0:1400 val:1400:1600 test:1600:1800
head -23 "$OUT/data/test.extxyz" > "$OUT/aspirin0.extxyz"
common=(--train "$OUT/data/train.extxyz" --val "$OUT/data/val.extxyz" --test "$OUT/data/test.extxyz" --features 64
        --epochs 15 --max-atoms 210 --lambda-f 10 --lr 2e-3 --threads 2 --seed 0)
[ -f "$OUT/cons/model.safetensors" ] || $CATPOT train "${common[@]}" --head mae --conservative --out "$OUT/cons" > "$OUT/cons.txt"
[ -f "$OUT/direct/model.safetensors" ] || $CATPOT train "${common[@]}" --head mae --out "$OUT/direct" > "$OUT/direct.txt"
[ -f "$OUT/hl/model.safetensors" ] || $CATPOT train "${common[@]}" --head hlgauss --conservative --out "$OUT/hl" > "$OUT/hl.txt"
md() { $CATPOT md "$1" "$OUT/aspirin0.extxyz" --steps 2000 --dt 0.5 -T 300 --seed 1 --interval 20 "${@:3}" -o "$OUT/$2.extxyz" --log "$OUT/$2.json" 2>&1 | tail -1; }
md "$OUT/cons/model.safetensors" nve-cons-model-conservative --forces conservative
md "$OUT/direct/model.safetensors" nve-direct-model-direct --forces direct
md "$OUT/direct/model.safetensors" nve-direct-model-conservative --forces conservative
# Guard: Langevin heating far above the training temperature until the molecule breaks; stop when std_E > limit.
$CATPOT md "$OUT/hl/model.safetensors" "$OUT/aspirin0.extxyz" --steps 20000 --dt 0.5 -T "${HOT_K:-6000}" --thermostat langevin --friction 0.02 \
  --seed 1 --interval 10 --max-std "${MAX_STD:-0.5}" --max-edge-mass "${MAX_EDGE:-0.5}" -o "$OUT/heat.extxyz" --flagged "$OUT/heat.flagged.extxyz" --log "$OUT/heat.json" 2>&1 | tail -2 || true
echo "results in $OUT (*.json)"
