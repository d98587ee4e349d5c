#!/bin/sh
# Reverse parity: a model file written by CatPot gives the same outputs in the PyTorch peer's parity.py.
# Run from the repository root:
#   tools/check_peer_parity.sh [PEER_DIR] [--update-fixture]
# For each head (hlgauss, mae): CatPot writes a random-init model (PotentialFile.Save), evaluates the 10 fixture
# frames in float32 and float64, the peer evaluates the same file (parity.py, float32 and --double), and
# parity.py --compare checks CatPot float32 vs peer float32 and vs peer float64 at rtol 1e-4, and CatPot float64
# vs peer float64 at rtol 1e-6 (the peer's float64 run reads the histogram with float32-rounded bin centres,
# see docs/parity.md). Exits non-zero on any mismatch.
# --update-fixture copies the CatPot-written models and the peer's outputs for them into
# tests/CatPot.Tests/Fixtures/peer (catpot_{hlgauss,mae}_small.safetensors, catpot_*_small_parity_f{32,64}.json),
# which CatPotWrittenParityTests checks without Python.
set -eu
PEER=/work/shared/peer
UPDATE=0
for a in "$@"; do
  case "$a" in
    --update-fixture) UPDATE=1 ;;
    *) PEER=$a ;;
  esac
done
FIX=tests/CatPot.Tests/Fixtures/peer
FRAMES=$FIX/frames.extxyz
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TOOL="dotnet run tools/catpot_parity.cs --"
status=0
seed=11
for head in hlgauss mae; do
  m=catpot_${head}_small
  $TOOL write-model "$WORK/$m.safetensors" "$FIX/stats.json" "$head" "$seed"
  seed=$((seed + 1))
  $TOOL eval "$WORK/$m.safetensors" "$FRAMES" "$WORK/${m}_catpot_f32.json"
  $TOOL eval "$WORK/$m.safetensors" "$FRAMES" "$WORK/${m}_catpot_f64.json" --double
  /usr/bin/python3 "$PEER/parity.py" "$WORK/$m.safetensors" "$FRAMES" --out "$WORK/${m}_parity_f32.json"
  /usr/bin/python3 "$PEER/parity.py" "$WORK/$m.safetensors" "$FRAMES" --double --out "$WORK/${m}_parity_f64.json"
  echo "== $m: CatPot float32 vs peer float32 (rtol 1e-4)"
  /usr/bin/python3 "$PEER/parity.py" --compare "$WORK/${m}_catpot_f32.json" "$WORK/${m}_parity_f32.json" --rtol 1e-4 || status=1
  echo "== $m: CatPot float32 vs peer float64 (rtol 1e-4)"
  /usr/bin/python3 "$PEER/parity.py" --compare "$WORK/${m}_catpot_f32.json" "$WORK/${m}_parity_f64.json" --rtol 1e-4 || status=1
  echo "== $m: CatPot float64 vs peer float64 (rtol 1e-6)"
  /usr/bin/python3 "$PEER/parity.py" --compare "$WORK/${m}_catpot_f64.json" "$WORK/${m}_parity_f64.json" --rtol 1e-6 || status=1
  if [ "$UPDATE" = 1 ]; then
    cp "$WORK/$m.safetensors" "$FIX/"
    for p in f32 f64; do
      # absolute paths of this machine are of no use to the tests
      /usr/bin/python3 - "$WORK/${m}_parity_$p.json" "$FIX/${m}_parity_$p.json" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
d["model"]["file"] = os.path.basename(d["model"]["file"])
d["data"] = os.path.basename(d["data"])
json.dump(d, open(sys.argv[2], "w"))
PY
    done
    echo "updated $FIX/$m.safetensors and ${m}_parity_f32/f64.json"
  fi
done
[ "$status" = 0 ] && echo "check_peer_parity: all comparisons passed" || echo "check_peer_parity: MISMATCH"
exit $status
