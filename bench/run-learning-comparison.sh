#!/usr/bin/env bash
# Trains CatPot and the PyTorch peer (../shared/peer) with the same hyperparameters and epochs on the xtb4 data
# and prints both test metrics. Usage: bench/run-learning-comparison.sh [EPOCHS] [HEAD] [OUTDIR]
# Both use F=128, L=3, n_rbf=20, r_c=5, K=128, σ/w=0.75, T=2, AdamW lr 8e-4, wd 1e-3, warm-up from 0.2·lr over 1 % of
# the steps, cosine to 0.01·lr, clipping 100, EMA 0.999 (constant decay, as the peer), batches ≤ 1000 atoms, λ_E = λ_F = 1, seed 0, 2 threads.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-6}; HEAD=${2:-hlgauss}; OUT=${3:-/tmp/catpot-learning}
DATA=${DATA:-../shared/data/xtb4}
mkdir -p "$OUT"
run_peer() {
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 ../shared/peer/train_ref.py --train "$DATA/train.extxyz" --val "$DATA/val.extxyz" \
    --test "$DATA/test.extxyz" --head "$HEAD" --epochs "$EPOCHS" --batch-atoms 1000 --seed 0 --threads 2 --out "$OUT/peer-$HEAD" \
    > "$OUT/peer-$HEAD.log" 2>&1
}
run_catpot() {
  dotnet run --project src/CatPot.Cli -c Release -- train --train "$DATA/train.extxyz" --val "$DATA/val.extxyz" \
    --test "$DATA/test.extxyz" --head "$HEAD" --epochs "$EPOCHS" --max-atoms 1000 --seed 0 --threads 2 \
    --warmup-epochs 0 --ema-warmup false --out "$OUT/catpot-$HEAD" --json > "$OUT/catpot-$HEAD.json" 2> "$OUT/catpot-$HEAD.log"
}
case "${WHICH:-both}" in
  peer) run_peer ;;
  catpot) run_catpot ;;
  *) run_peer; run_catpot ;;
esac
echo "peer:   $OUT/peer-$HEAD/metrics.json"
echo "catpot: $OUT/catpot-$HEAD/test-metrics.json"
