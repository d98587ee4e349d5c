#!/usr/bin/env bash
# Kill -9 / resume check for `catpot learn` with a real labeller: starts a run, kills it with SIGKILL at random
# moments (so training, MD and labelling are all hit), resumes it with --resume until it finishes on its own, then
# checks that the dataset has every label once and that no frame already in the dataset was labelled again
# (labels.log: a second `call` for an id is allowed only when the earlier call never reached `ok`, i.e. it was killed mid-call).
#   tools/learn_kill_resume.sh OUT_DIR KILLS -- LEARN_ARGS...
# With KILL_DURING_LABELLING=1 every kill waits until labels.log has grown by 1 to 3 lines since the start of that
# process (so the kill lands inside the labelling phase, often between a `call` and its `ok`).
# Needs the CLI built (dotnet build src/CatPot.Cli -c Release) and python3 for the check.
set -uo pipefail
out=$1; kills=$2; shift 3
cli="dotnet $(dirname "$0")/../src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll"
rm -rf "$out"; mkdir -p "$out.logs"
first=1; n=0
while true; do
  if [ $first = 1 ]; then $cli learn --out "$out" "$@" >"$out.logs/run$n.out" 2>"$out.logs/run$n.err" & pid=$!; first=0
  else $cli learn --out "$out" --resume >"$out.logs/run$n.out" 2>"$out.logs/run$n.err" & pid=$!; fi
  if [ $n -lt "$kills" ]; then
    if [ "${KILL_DURING_LABELLING:-0}" = 1 ]; then
      before=$(cat "$out/labels.log" 2>/dev/null | wc -l); want=$(( before + (RANDOM % 3) + 1 ))
      while kill -0 $pid 2>/dev/null && [ "$(cat "$out/labels.log" 2>/dev/null | wc -l)" -lt $want ]; do sleep 0.02; done
    else
      sleep $(( (RANDOM % 25) + 5 ))
    fi
    if kill -0 $pid 2>/dev/null; then
      kill -9 $pid; wait $pid 2>/dev/null
      echo "kill $n: after: $(grep -v '^\s*$' "$out.logs/run$n.err" | tail -1)"
      n=$((n + 1)); continue
    fi
  fi
  wait $pid; rc=$?
  echo "run $n finished with exit code $rc: $(tail -1 "$out.logs/run$n.out")"
  break
done
python3 - "$out" <<'PY'
import sys, collections
out = sys.argv[1]
calls, oks = collections.Counter(), collections.Counter()
order = collections.defaultdict(list)
for line in open(f"{out}/labels.log"):
    p = line.rstrip("\n").split("\t")
    if len(p) != 4: continue
    order[p[2]].append(p[1])
ids = [l.split("al_id=")[1].split()[0] for l in open(f"{out}/dataset.extxyz") if "al_id=" in l]
dup = [i for i, c in collections.Counter(ids).items() if c > 1]
bad = []
for i, ev in order.items():
    # every call but the last must have been cut off (no ok/fail right after it)
    seq = [e for e in ev]
    for k, e in enumerate(seq[:-1]):
        if e == "call" and k + 1 < len(seq) and seq[k + 1] in ("ok", "fail"):
            if seq[k + 2:].count("call"): bad.append(i)
total_calls = sum(ev.count("call") for ev in order.values())
repeated = sum(max(ev.count("call") - 1, 0) for ev in order.values())
print(f"dataset frames {len(ids)}, duplicates {len(dup)}; labeller calls {total_calls}, repeated calls {repeated} "
      f"(only for frames killed mid-call), repeated after a completed call: {len(set(bad))}")
sys.exit(1 if dup or bad else 0)
PY
