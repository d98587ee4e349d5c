#!/usr/bin/env bash
# Fault check for data-parallel training (docs/distributed.md): start `catpot train` on N ranks, kill -9 one rank
# during the second epoch, time how long the job takes to end and show what it said, then resume the run from its
# checkpoint with the same and with other rank counts and check each finishes.
# Usage: tools/mpi_fault_check.sh TRAIN.extxyz VAL.extxyz [ranks=2] [victim=1] [resume-ranks="2 1 3"]
set -uo pipefail
train=$1 val=$2 ranks=${3:-2} victim=${4:-1} resume_ranks=${5:-"2 1 3"}
cd "$(dirname "$0")/.."
cli=src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll
[ -f "$cli" ] || dotnet build src/CatPot.Cli -c Release >/dev/null
work=$(mktemp -d)
args=(train --train "$train" --val "$val" --test none --features 32 --layers 2 --epochs 4 --threads 1 --seed 11)
mpi=(mpirun --allow-run-as-root --oversubscribe -np)

"${mpi[@]}" "$ranks" dotnet "$cli" "${args[@]}" --out "$work/run" >"$work/log" 2>&1 &
launcher=$!
# Wait for the first checkpoint, then a few seconds into epoch 2.
until [ -f "$work/run/checkpoint.safetensors" ] || ! kill -0 $launcher 2>/dev/null; do sleep 0.5; done
sleep 3
pid=$(for p in $(pgrep -f "CatPot.Cli.dll train"); do
        tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$victim" && echo $p; done | head -1)
[ -n "$pid" ] || { echo "no rank $victim found"; cat "$work/log"; exit 1; }
start=$(date +%s.%N)
kill -9 "$pid"
wait $launcher; code=$?
end=$(date +%s.%N)
left=$(for p in $(pgrep -f "CatPot.Cli.dll train"); do tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -q "^OMPI_COMM_WORLD_RANK=" && echo $p; done | wc -l)
printf 'killed rank %s (pid %s) during epoch 2: launcher exit %s after %.1f s; ranks still running: %s\n' "$victim" "$pid" "$code" "$(echo "$end - $start" | bc)" "$left"
echo '--- job output (last lines) ---'; tail -n 12 "$work/log"

status=0
for n in $resume_ranks; do
  cp -r "$work/run" "$work/resume-$n"
  if "${mpi[@]}" "$n" dotnet "$cli" "${args[@]}" --out "$work/resume-$n" --resume >"$work/resume-$n.log" 2>&1; then
    echo "resume on $n rank(s): finished: $(grep -c '^epoch' "$work/resume-$n.log") epochs run, $(wc -l <"$work/resume-$n/metrics.jsonl") in metrics.jsonl"
  else
    echo "resume on $n rank(s): FAILED"; tail -n 20 "$work/resume-$n.log"; status=1
  fi
done
for n in $resume_ranks; do sha256sum "$work/resume-$n/last.safetensors"; done
rm -rf "$work"
exit $status
