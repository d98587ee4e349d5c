#!/usr/bin/env bash
# Every DFT benchmark in turn: bench/dft/all.sh [EPOCHS] [HEADS] [OUT]; settings in common.sh.
set -euo pipefail
here=$(dirname "$0")
for b in acac ethanol 3bpa; do "$here/$b.sh" "$@"; done
OUT_ROOT=${3:-/tmp/catpot-dft}
cat "$OUT_ROOT"/{acac,ethanol,3bpa}/summary.md > "$OUT_ROOT/summary.md"
echo "summary: $OUT_ROOT/summary.md"
