#!/usr/bin/env bash
# The uncertainty guard on a molecule heated until it breaks apart (issue 6).
#  1. Calibrate: std_E of the model on the 1,800 reference aspirin frames of ../shared/data/md-aspirin (GFN2-xTB MD,
#     all intact, physically sampled geometries), via `catpot predict`; the limit is 1.25 x the largest of them, so
#     no reference geometry would trip it.
#  2. Heat: Langevin MD from the first frame at HOT_K (default 3000 K) with that --max-std and no --flag, so the run
#     must stop (exit 5, Incomplete) when energy_std crosses the limit, and the offending frame goes to the flagged file.
#  3. Check the flagged frame: is the molecule still in one piece? (bonded = distance < 1.5 x sum of covalent radii,
#     so hot vibrations do not count as breaking)
#  4. The same heating with --flag (mark, keep going) for FLAG_STEPS steps, every frame written: how many frames past
#     the limit, and whether the frames where the molecule has broken apart are among them. Also at 300 K (COLD_K).
# MODEL should be an HL-Gauss model trained on broad data (e.g. xtb4, as `catpot experiment` or `catpot train` make):
# a model trained only on aspirin's own narrow MD puts a broken molecule outside its energy range, where the
# histogram piles into an end bin and std_E *falls* (see docs/simulation.md; --max-edge-mass covers that case).
# Usage: bench/run-md-guard.sh MODEL [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:?usage: bench/run-md-guard.sh MODEL [OUTDIR]}
OUT=${2:-/tmp/catpot-md-guard}
HOT_K=${HOT_K:-3000}
mkdir -p "$OUT"
dotnet build src/CatPot.Cli -c Release -v q -nologo > /dev/null
CATPOT="dotnet src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll"
head -23 ../shared/data/md-aspirin/aspirin.extxyz > "$OUT/aspirin0.extxyz"

$CATPOT predict "$MODEL" ../shared/data/md-aspirin/aspirin.extxyz -o "$OUT/reference.pred.extxyz" > /dev/null
limit=$(python3 - "$OUT/reference.pred.extxyz" <<'PY'
import re, sys
s = [float(m.group(1)) for l in open(sys.argv[1]) for m in [re.search(r"energy_std=([-0-9.eE+]+)", l)] if m]
print(f"{1.25 * max(s):.4f}")
print(f"reference frames: {len(s)}, std_E min {min(s):.4f} median {sorted(s)[len(s)//2]:.4f} max {max(s):.4f} eV", file=sys.stderr)
PY
)
echo "std_E limit: $limit eV (1.25 x the maximum over the reference frames)"

set +e
$CATPOT md "$MODEL" "$OUT/aspirin0.extxyz" --steps 20000 --dt 0.5 -T "$HOT_K" --thermostat langevin --friction 0.02 --seed 1 \
  --interval 10 --max-std "$limit" -o "$OUT/hot.extxyz" --flagged "$OUT/hot.flagged.extxyz" --log "$OUT/hot.json" > "$OUT/hot.out" 2> "$OUT/hot.err"
code=$?
set -e
echo "heating at $HOT_K K: catpot md exit code $code (5 = stopped by the guard)"
tail -n 2 "$OUT/hot.err"
python3 - "$OUT/hot.flagged.extxyz" "$OUT/hot.extxyz" <<'PY'
import sys
sys.path.insert(0, "tools")
from md_fragments import frames, fragments, key
try:
    flagged = list(frames(sys.argv[1]))
except FileNotFoundError:
    flagged = []
print(f"flagged frames written: {len(flagged)}")
for info, atoms in flagged:
    print(f"  step {key(info, 'step'):.0f}  t = {key(info, 'time_fs'):.1f} fs  T = {key(info, 'temperature'):.0f} K  "
          f"std_E = {key(info, 'energy_std'):.4f} eV  entropy = {key(info, 'energy_entropy'):.3f} nats  fragments = {fragments(atoms)}")
traj = list(frames(sys.argv[2]))
first_broken = next((key(i, "step") for i, a in traj if fragments(a) > 1), None)
print(f"trajectory: {len(traj)} frames written; first written frame with more than one fragment: step {first_broken}")
PY

FLAG_STEPS=${FLAG_STEPS:-4000}
for T in "${COLD_K:-300}" "$HOT_K"; do
echo "--flag run at $T K:"
$CATPOT md "$MODEL" "$OUT/aspirin0.extxyz" --steps "$FLAG_STEPS" --dt 0.5 -T "$T" --thermostat langevin --friction 0.02 --seed 1 \
  --interval 1 --max-std "$limit" --flag -o "$OUT/flag$T.extxyz" --flagged "$OUT/flag$T.flagged.extxyz" --log "$OUT/flag$T.json" > /dev/null 2> "$OUT/flag$T.err" || true
python3 - "$OUT/flag$T.extxyz" "$limit" <<'PY'
import sys
sys.path.insert(0, "tools")
from md_fragments import frames, fragments, key
limit = float(sys.argv[2])
rows = [(int(key(info, "step")), fragments(atoms), key(info, "energy_std")) for info, atoms in frames(sys.argv[1])]
intact = [r for r in rows if r[1] == 1]; broken = [r for r in rows if r[1] > 1]
def share(rs): return f"{sum(r[2] > limit for r in rs)}/{len(rs)}" if rs else "0/0"
med = lambda rs: sorted(r[2] for r in rs)[len(rs) // 2] if rs else float("nan")
print(f"--flag run: {len(rows)} frames; past the limit: intact {share(intact)} (median std_E {med(intact):.3f} eV), "
      f"broken apart {share(broken)} (median std_E {med(broken):.3f} eV)")
fb = broken[0][0] if broken else None
print(f"first frame broken apart: step {fb}; first frame past the limit: step {next((r[0] for r in rows if r[2] > limit), None)}")
PY
done
