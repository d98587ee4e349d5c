#!/bin/bash
# Long fuzzing run of every input format (issue 14; docs/robustness.md): CASES mutated inputs per format through
# tests/CatPot.Tests/Fuzz/InputFuzzer.cs, each format in its own test process with the GC heap capped, so
# "bounded memory" is enforced (a case needing more heap ends in OutOfMemoryException = an internal error) and the
# process's peak working set is measured per format.
#
#   tools/fuzz_inputs.sh [CASES=10000] [SEED=14] [OUT=fuzz-report]
#
# Writes OUT/<format>.json (cases, accepted, refused, internal errors, hangs, seconds, peak working set) and
# OUT/failures/<format>-<case>.bin (each failing input); prints a summary table. Exit status 1 when any format had
# an internal error or a hang.
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-10000}
SEED=${2:-14}
OUT=$(realpath -m "${3:-fuzz-report}")
mkdir -p "$OUT"
dotnet build tests/CatPot.Tests -c Release -v quiet -nologo >/dev/null
status=0
for format in extxyz safetensors aselmdb ase-db-sqlite ase-db-json ipi prediction; do
  # 400 MB of GC heap (plus the runtime's code and native memory) keeps the process under 500 MB.
  if ! CATPOT_FUZZ_CASES=$CASES CATPOT_FUZZ_SEED=$SEED CATPOT_FUZZ_REPORT=$OUT DOTNET_GCHeapHardLimit=0x19000000 DOTNET_gcServer=0 \
      dotnet test tests/CatPot.Tests -c Release --no-build -nologo -v quiet \
      --filter "FullyQualifiedName~InputFuzzTests&DisplayName~$format" >"$OUT/$format.log" 2>&1; then
    status=1
  fi
done
/usr/bin/python3 - "$OUT" <<'PY' || status=1
import json, os, sys
out = sys.argv[1]
bad = False
print(f"{'format':<14}{'cases':>7}{'accepted':>10}{'refused':>9}{'internal':>10}{'hangs':>7}{'seconds':>9}{'slowest s':>10}{'peak MB':>9}")
for name in ['extxyz', 'safetensors', 'aselmdb', 'ase-db-sqlite', 'ase-db-json', 'ipi']:
    path = os.path.join(out, name + '.json')
    if not os.path.exists(path):
        print(f"{name:<14} no report (the test process failed; see {name}.log)")
        bad = True
        continue
    r = json.load(open(path))
    f = r['formats'][0]
    print(f"{name:<14}{f['cases']:>7}{f['accepted']:>10}{f['refused_exit_2']:>9}{f['internal_errors']:>10}{f['hangs']:>7}{f['seconds']:>9}{f['slowest_case_seconds']:>10}{r['peak_working_set_mb']:>9}")
    for failure in f['failures'][:5]:
        print('   ', failure[:300])
sys.exit(1 if bad else 0)
PY

exit $status
