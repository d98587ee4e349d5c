#!/usr/bin/env bash
# Training throughput read by index vs in memory (issue 16): 1 epoch on the same data with the same model and settings,
# alternating in-memory and --read-by-index runs, for the xtb4 training set as extxyz and as .aselmdb shards (the same
# 8,550 structures written by tools/make_jittered_aselmdb.py with --jitter 0). Prints the training-loop structures/s
# (metrics.jsonl), the by-index/in-memory ratio, wall time, CPU time and peak RSS of each run.
# Usage: bench/by-index-throughput.sh [XTB4_DIR]     ROUNDS=2 FEATURES=32 LAYERS=1 OUT=dir
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/xtb4}
ROUNDS=${ROUNDS:-2}
FEATURES=${FEATURES:-32}
LAYERS=${LAYERS:-1}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
dotnet build src/CatPot.Cli -c Release -v q -nologo > /dev/null
CATPOT="dotnet src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll"
T=$DATA/train.extxyz V=$DATA/val.extxyz
rm -f "$OUT/rates"
[[ -d $OUT/lmdb ]] || /usr/bin/python3 tools/make_jittered_aselmdb.py "$T" "$OUT/lmdb" --structures "$(grep -c Properties "$T")" --shard-size 5000 --jitter 0 > /dev/null
COMMON=(train --val "$V" --test none --epochs 1 --threads 1 --seed 1 --features "$FEATURES" --layers "$LAYERS" --forces direct --no-uncertainty)
run() { # name, extra args...
  local name=$1; shift
  rm -rf "$OUT/$name"
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/$name.time" $CATPOT "${COMMON[@]}" "$@" --out "$OUT/$name" > "$OUT/$name.log" 2>&1
  /usr/bin/python3 - "$OUT/$name" <<'PY'
import json, sys
d = sys.argv[1]
r = [json.loads(l) for l in open(d + "/metrics.jsonl")][-1]
wall, user, sys_, rss = open(d + ".time").read().split()[-4:]
print(f'{r["structures_per_second"]:.1f} {float(wall):.1f} {float(user) + float(sys_):.1f} {int(rss) / 1024:.0f}')
PY
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); model --features $FEATURES --layers $LAYERS, direct forces, --threads 1"
echo "| round | data | in memory: struct/s, wall s, CPU s, peak RSS MB | by index: struct/s, wall s, CPU s, peak RSS MB | ratio (struct/s) |"
echo "|---|---|---|---|---|"
for r in $(seq 1 "$ROUNDS"); do
  for kind in extxyz aselmdb; do
    src=$T; [[ $kind == aselmdb ]] && src=$OUT/lmdb
    m=$(run "mem-$kind-$r" --train "$src")
    i=$(run "idx-$kind-$r" --train "$src" --read-by-index)
    ratio=$(/usr/bin/python3 -c "print(f'{${i%% *}/${m%% *}:.2f}')")
    echo "| $r | $kind | ${m// /, } | ${i// /, } | $ratio |"
    echo "$kind ${m%% *} ${i%% *}" >> "$OUT/rates"
  done
done
/usr/bin/python3 - "$OUT/rates" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for kind in ("extxyz", "aselmdb"):
    r = [(float(m), float(i)) for k, m, i in rows if k == kind]
    ratios = sorted(i / m for m, i in r)
    print(f"{kind}: median ratio {statistics.median(ratios):.2f} (range {ratios[0]:.2f}-{ratios[-1]:.2f}), "
          f"mean struct/s in memory {statistics.mean(m for m, _ in r):.0f}, by index {statistics.mean(i for _, i in r):.0f}, "
          f"ratio of means {statistics.mean(i for _, i in r) / statistics.mean(m for m, _ in r):.2f}")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); outputs in $OUT"
