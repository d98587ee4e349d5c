# Shared by bench/dft/*.sh (sourced, not run). Trains with the `catpot` CLI and writes one summary table per dataset.
#
# Settings (environment):
#   CATPOT      command that runs the CLI (default: dotnet run --project src/CatPot.Cli -c Release --)
#   SEED        seed of the train/validation/test splits and of training (default 0)
#   VAL         none (default): train on the whole training file with no --val, so the CLI splits its own seeded
#               validation fraction off it (the acceptance command of issue 17, for acac and ethanol); split: hold
#               out a seeded validation part here and pass it as --val (CLI versions before --val became optional)
#   E0          1: put the DFT isolated-atom frames (energy only) in front of the training file, for a recipe that
#               takes reference energies from them (CLI versions that need forces on every frame refuse this, exit 2)
#   EXTRA_ARGS  further `catpot train` options, appended verbatim (e.g. "--conservative --threads 2")
#   NICE        niceness of the training processes (default 0)
# Arguments of every dataset script: [EPOCHS] [HEADS] [OUT]
#   EPOCHS  a number, or `default` for the CLI's own default (no --epochs: the acceptance runs of issue 17)
#   HEADS   space-separated heads: `default` (no --head: the CLI's default, categorical) and/or names for --head
#   OUT     output folder (default /tmp/catpot-dft)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO=$(pwd)
DFT=$(realpath -m "${DFT:-$REPO/../shared/data/dft}")
EPOCHS=${1:-default}
HEADS=${2:-mae default}
OUT_ROOT=${3:-/tmp/catpot-dft}
SEED=${SEED:-0}
VAL=${VAL:-none}
E0=${E0:-0}
EXTRA_ARGS=${EXTRA_ARGS:-}
NICE=${NICE:-0}
PY=${PY:-/usr/bin/python3}
if [[ -z "${CATPOT:-}" ]]; then
  dotnet build "$REPO/src/CatPot.Cli" -c Release -v q -nologo > /dev/null
  CATPOT="dotnet run --no-build --project $REPO/src/CatPot.Cli -c Release --"
fi
[[ -d "$DFT" ]] || { echo "no DFT data at $DFT (set DFT=...)" >&2; exit 2; }

# split SRC DIR NAME:COUNT ...  (seeded; see tools/split_frames.py)
split() { local src=$1 dir=$2; shift 2; "$PY" "$REPO/tools/split_frames.py" --seed "$SEED" --ext .xyz "$src" "$dir" "$@"; }

# train_one DATASET TRAIN VAL_FILE TEST ISOLATED HEAD DIR: trains, writes DIR/test.json (the test report) and
# DIR/train.log, DIR/wall_s, DIR/peak_rss_kb; the model is DIR/model.safetensors.
train_one() {
  local name=$1 train=$2 val=$3 test=$4 iso=$5 head=$6 dir=$7
  mkdir -p "$dir"
  local args=(train --train "$train" --test "$test" --seed "$SEED" --out "$dir" --json)
  if [[ "$E0" == 1 ]]; then cat "$iso" "$train" > "$dir/train+e0.xyz"; args[2]="$dir/train+e0.xyz"; fi
  [[ "$VAL" == split ]] && args+=(--val "$val")
  [[ "$head" != default ]] && args+=(--head "$head")
  [[ "$EPOCHS" != default ]] && args+=(--epochs "$EPOCHS")
  # shellcheck disable=SC2206
  [[ -n "$EXTRA_ARGS" ]] && args+=($EXTRA_ARGS)
  echo "$name/$head: catpot ${args[*]}" >&2
  echo "catpot ${args[*]}" > "$dir/command"
  local t0 timer=(); t0=$(date +%s)
  # Peak resident memory of the training (GNU time's maximum RSS over the process and the CLI it starts), in kB.
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -o "$dir/peak_rss_kb" -f "%M")
  nice -n "$NICE" "${timer[@]}" $CATPOT "${args[@]}" > "$dir/test.json" 2> "$dir/train.log" \
    || { echo "$name/$head: training failed, see $dir/train.log" >&2; tail -3 "$dir/train.log" >&2; return 1; }
  echo $(( $(date +%s) - t0 )) > "$dir/wall_s"
}

# row DATASET TESTSET HEAD DIR: one markdown row, errors in meV and meV/Å (force errors per component).
row() {
  "$PY" - "$1" "$2" "$3" "$4" <<'PY'
import json, sys
name, test, head, d = sys.argv[1:]
o = json.load(open(f"{d}/test.json"))["overall"]
wall = open(f"{d}/wall_s").read().strip()
try:
    peak = f"{int(open(f'{d}/peak_rss_kb').read().split()[-1]) / 1024 ** 2:.2f}"
except (OSError, ValueError, IndexError):
    peak = "–"
f = lambda k: f"{1000 * o[k]:.1f}" if k in o else "–"
print(f"| {name} | {test} | {head} | {f('energy_rmse')} | {f('energy_mae')} | {f('force_rmse')} | {f('force_mae')} | {wall} | {peak} |")
PY
}

header() {
  echo "| dataset | test set | head | E RMSE (meV) | E MAE (meV) | F RMSE (meV/Å) | F MAE (meV/Å) | wall (s) | peak RSS (GB) |"
  echo "|---|---|---|---|---|---|---|---|---|"
}

# The commit is the one the CLI was built from (its --version, 1.0.0+<commit>), which may differ from the checkout's HEAD.
built_commit() { local v; v=$($CATPOT --version 2>/dev/null | tail -1); [[ "$v" == *+* ]] && echo "${v##*+}" | cut -c1-7 || echo "unknown (HEAD $(git -C "$REPO" rev-parse --short HEAD))"; }
settings() { echo "epochs=$EPOCHS seed=$SEED val=$VAL e0=$E0 extra='$EXTRA_ARGS' commit=$(built_commit)"; }
