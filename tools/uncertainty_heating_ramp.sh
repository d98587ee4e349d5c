#!/usr/bin/env bash
# Heating test of the calibrated energy_std guard (issue 12): one Langevin run whose target temperature ramps
# linearly 300 -> 3000 K over STEPS steps (`catpot md --ramp-to`), with --max-std LIMIT. The written frames (every
# 10 steps) are checked for fragments (bonded = closer than 1.25 x the sum of covalent radii, stricter than
# bench/run-md-guard.sh's 1.5 x), and so is the frame that tripped the guard (exit 5).
# Usage: tools/uncertainty_heating_ramp.sh MODEL START.xyz LIMIT SEED OUTDIR [GUARD=1] [STEPS=10000]
# LIMIT: e.g. the 99th percentile of energy_std over the calibration set (`catpot predict MODEL CALIB`).
# Prints: exit code, the target temperature at the stop (or the end), frames fragmented before it.
set -uo pipefail
MODEL=$1; START=$2; LIMIT=$3; SEED=$4; OUT=$5; GUARD=${6:-1}; STEPS=${7:-10000}
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
guard=(); [ "$GUARD" = 1 ] && guard=(--max-std "$LIMIT")
(cd "$OUT" && $CATPOT md "$MODEL" start.xyz --steps "$STEPS" --dt 0.5 -T 300 --ramp-to 3000 --thermostat langevin --friction 0.02 \
   --seed "$SEED" --interval 10 -o ramp.extxyz --flagged flag.extxyz "${guard[@]}" > ramp.log 2>&1)
rc=$?
last_target=$(grep -o 'target_temperature=[0-9.]*' "$OUT/ramp.extxyz" | tail -1 | cut -d= -f2)
echo "exit=$rc target_at_end=${last_target} K trajectory: $(fragments "$OUT/ramp.extxyz")" >> "$OUT/summary.txt"
if [ $rc = 5 ]; then echo "stopped by the guard; flagged frame: $(fragments "$OUT/flag.extxyz")" >> "$OUT/summary.txt"; fi
cat "$OUT/summary.txt"
