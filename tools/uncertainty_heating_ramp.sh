#!/usr/bin/env bash
# Heating test of the calibrated energy_std guard (issue 12): a stepped Langevin ramp 300 -> 3000 K (ten stages of
# STEPS steps, each stage starting from the previous stage's last frame with fresh Maxwell-Boltzmann velocities, as
# `catpot md` has no ramp option) with --max-std LIMIT. After every stage the written frames are checked for
# fragments (bonded = closer than 1.25 x the sum of covalent radii, stricter than bench/run-md-guard.sh's 1.5 x);
# the ramp ends at the first guard stop (exit 5), and the frame that tripped it is checked too.
# Usage: tools/uncertainty_heating_ramp.sh MODEL START.xyz LIMIT SEED OUTDIR [GUARD=1] [STEPS=1000]
# LIMIT: e.g. the 99th percentile of energy_std over the calibration set (`catpot predict MODEL CALIB`).
set -uo pipefail
MODEL=$1; START=$2; LIMIT=$3; SEED=$4; OUT=$5; GUARD=${6:-1}; STEPS=${7:-1000}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CATPOT="dotnet $ROOT/src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll"
mkdir -p "$OUT"; cp "$START" "$OUT/start.xyz"; : > "$OUT/summary.txt"
fragments() { python3 - "$1" <<'PY'
import sys, math
R = {"H": 0.31, "C": 0.76, "N": 0.71, "O": 0.66}
lines = open(sys.argv[1]).read().splitlines(); i = 0; broken = []
while i < len(lines):
    n = int(lines[i]); at = [(p[0], *map(float, p[1:4])) for p in (l.split() for l in lines[i + 2:i + 2 + n])]; i += n + 2
    seen, stack = {0}, [0]
    while stack:
        a = stack.pop()
        for b in range(n):
            if b not in seen and math.dist(at[a][1:], at[b][1:]) < 1.25 * (R[at[a][0]] + R[at[b][0]]): seen.add(b); stack.append(b)
    broken.append(len(seen) < n)
print(f"{sum(broken)} of {len(broken)} frames fragmented")
PY
}
for T in 300 600 900 1200 1500 1800 2100 2400 2700 3000; do
  guard=(); [ "$GUARD" = 1 ] && guard=(--max-std "$LIMIT")
  (cd "$OUT" && $CATPOT md "$MODEL" start.xyz --steps "$STEPS" --dt 0.5 -T $T --thermostat langevin --friction 0.02 \
     --seed $((SEED * 100 + T)) --interval 10 -o t$T.extxyz --flagged flag$T.extxyz "${guard[@]}" > t$T.log 2>&1)
  rc=$?
  echo "T=$T exit=$rc $(fragments "$OUT/t$T.extxyz")" >> "$OUT/summary.txt"
  n=$(head -1 "$OUT/t$T.extxyz"); tail -n $((n + 2)) "$OUT/t$T.extxyz" > "$OUT/start.xyz"
  if [ $rc = 5 ]; then echo "stopped at T=$T; flagged frame: $(fragments "$OUT/flag$T.extxyz")" >> "$OUT/summary.txt"; break; fi
  [ $rc != 0 ] && break
done
cat "$OUT/summary.txt"
