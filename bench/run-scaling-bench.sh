#!/usr/bin/env bash
# Scaling of inference from one aspirin molecule to a 10^5-atom droplet: energy + direct and energy + conservative forces,
# per-atom time, GEMM rate, peak memory, all in one run with the same model (default: the peer's trained F = 128, L = 3
# HL-Gauss model, as bench/run-md-bench.sh), then an MD step on the 10^4-atom droplet.
# Usage: bench/run-scaling-bench.sh [MODEL] [MOLECULES...]      (default molecules: 1 5 48 480 4800)
#   AUTODIFF_MAX=480  also time the whole-graph autodiff path up to this many molecules (default 48: it needs ~20 GB at
#                     4800 molecules and ~2.5 GB at 480)
#   MD_MOLECULES=480  droplet for the MD step (0 skips it); MD_STEPS=10
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-../shared/peer/results/train_hlgauss/model_final.safetensors}
shift || true
SIZES=${*:-1 5 48 480 4800}
AUTODIFF_MAX=${AUTODIFF_MAX:-48}
MD_MOLECULES=${MD_MOLECULES:-480}
MD_STEPS=${MD_STEPS:-10}
TMP=${BENCH_OUT:-$(mktemp -d)}
dotnet build src/CatPot.Cli -c Release -v q -nologo > /dev/null
CATPOT="dotnet src/CatPot.Cli/bin/Release/net10.0/CatPot.Cli.dll"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for m in $SIZES; do
  [[ -f "$TMP/cluster$m.extxyz" ]] || /usr/bin/python3 bench/make-aspirin-cluster.py "$m" "$TMP/cluster$m.extxyz"
  reps=5; [[ $m -ge 480 ]] && reps=3
  /usr/bin/time -v $CATPOT bench --structure "$TMP/cluster$m.extxyz" --model "$MODEL" --reps $reps > "$TMP/auto$m.json" 2> "$TMP/auto$m.err"
  grep "Maximum resident" "$TMP/auto$m.err" | sed "s/^/  $m molecules: /"
  if [[ $m -le $AUTODIFF_MAX && $m -gt 1 ]]; then
    $CATPOT bench --structure "$TMP/cluster$m.extxyz" --model "$MODEL" --reps $reps --path autodiff > "$TMP/autodiff$m.json" 2> /dev/null
  fi
done
/usr/bin/python3 - "$TMP" $SIZES <<'PY'
import json, os, sys
tmp, sizes = sys.argv[1], sys.argv[2:]
print("| atoms | edges | path | direct: median (s) | CPU s/call | µs/atom | GFLOP/s | of GEMM | peak GB | conservative: median (s) | CPU s/call | µs/atom | GFLOP/s | of GEMM | peak GB | GEMM GFLOP/s | other cores |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
per_atom = {}
for m in sizes:
    for kind in ("auto", "autodiff"):
        path = f"{tmp}/{kind}{m}.json"
        if not os.path.exists(path):
            continue
        d = json.load(open(path))
        a, c = d["energy_direct_forces"], d["energy_conservative_forces"]
        n = d["n_atoms"]
        per_atom[(kind, n)] = (a["per_atom_us"], c["per_atom_us"], a["energy_eV"], c["max_force_eV_per_A"],
                               1e6 * a["cpu_s_per_call"] / n, 1e6 * c["cpu_s_per_call"] / n)
        print(f"| {d['n_atoms']:,} | {d['n_edges']:,} | {d['path']} | {a['median_s']:.3f} | {a['cpu_s_per_call']:.3f} | {a['per_atom_us']:.0f} | {a['gemm_gflops_at_median']:.0f} | "
              f"{100*a['fraction_of_gemm_rate']:.0f}% | {a['peak_rss_gb']:.2f} | {c['median_s']:.3f} | {c['cpu_s_per_call']:.3f} | {c['per_atom_us']:.0f} | "
              f"{c['gemm_gflops_at_median']:.0f} | {100*c['fraction_of_gemm_rate']:.0f}% | {c['peak_rss_gb']:.2f} | {d['gemm']['gflops']:.0f} | "
              f"{a['other_processes_cpu_cores']} / {c['other_processes_cpu_cores']} |")
auto = sorted(k[1] for k in per_atom if k[0] == "auto")
if len(auto) >= 2 and 1008 in auto:
    big = auto[-1]
    d0, c0 = per_atom[("auto", 1008)][:2]
    d1, c1 = per_atom[("auto", big)][:2]
    e0, f0 = per_atom[("auto", 1008)][4:6]
    e1, f1 = per_atom[("auto", big)][4:6]
    print(f"\nper-atom time {big:,} / 1,008 atoms: wall direct {d1/d0:.2f}x, conservative {c1/c0:.2f}x; "
          f"CPU time direct {e1/e0:.2f}x, conservative {f1/f0:.2f}x (on a loaded machine the CPU time is the steadier measure)")
for (kind, n), v in sorted(per_atom.items()):
    if kind == "autodiff" and ("auto", n) in per_atom:
        w = per_atom[("auto", n)]
        print(f"{n:,} atoms: energy large-system path {w[2]:.6f} eV vs autodiff {v[2]:.6f} eV; max |F| {w[3]:.6f} vs {v[3]:.6f} eV/Å")
PY
if [[ $MD_MOLECULES -gt 0 ]]; then
  [[ -f "$TMP/cluster$MD_MOLECULES.extxyz" ]] || /usr/bin/python3 bench/make-aspirin-cluster.py "$MD_MOLECULES" "$TMP/cluster$MD_MOLECULES.extxyz"
  $CATPOT md "$MODEL" "$TMP/cluster$MD_MOLECULES.extxyz" --steps "$MD_STEPS" --dt 0.5 -T 300 --interval "$MD_STEPS" \
    --log "$TMP/md.json" -o "$TMP/md.extxyz" > /dev/null 2>&1
  /usr/bin/python3 - "$TMP/md.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
med = d["step_median_s"]
print(f"MD on the droplet ({d.get('atoms', '?')} atoms), conservative forces, 0.5 fs: median step {1e3*med:.1f} ms "
      f"(p10 {1e3*d['step_p10_s']:.1f}, p90 {1e3*d['step_p90_s']:.1f}) over {d['steps']} steps = {0.5e-6 * 86400 / med:.4f} ns/day")
PY
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw JSON: $TMP" >&2
