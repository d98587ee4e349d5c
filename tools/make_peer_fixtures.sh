#!/bin/sh
# Regenerates tests/CatPot.Tests/Fixtures/peer from the PyTorch peer (see that folder's README.md).
# Run from the repository root: tools/make_peer_fixtures.sh [PEER_DIR] [XTB4_DIR]
set -eu
PEER=${1:-/work/shared/peer}
XTB4=${2:-/work/shared/data/xtb4}
OUT=tests/CatPot.Tests/Fixtures/peer
mkdir -p "$OUT"
/usr/bin/python3 tools/make_peer_fixtures.py "$PEER" "$XTB4" "$OUT"
for m in hlgauss_small mae_small; do
  /usr/bin/python3 "$PEER/parity.py" "$OUT/$m.safetensors" "$OUT/frames.extxyz" --out "$OUT/${m}_parity_f32.json"
  /usr/bin/python3 "$PEER/parity.py" "$OUT/$m.safetensors" "$OUT/frames.extxyz" --double --out "$OUT/${m}_parity_f64.json"
done
# absolute paths of this machine are of no use to the tests
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys, os
out = sys.argv[1]
for f in sorted(os.listdir(out)):
    if f.endswith("_parity_f32.json") or f.endswith("_parity_f64.json"):
        p = os.path.join(out, f)
        d = json.load(open(p))
        d["model"]["file"] = os.path.basename(d["model"]["file"])
        d["data"] = os.path.basename(d["data"])
        json.dump(d, open(p, "w"))
PY
# reference values for Erf, the HL-Gauss target and the evaluation metrics
/usr/bin/python3 tools/make_modelio_fixtures.py "$PEER" "$OUT"
ls -l "$OUT"
