#!/usr/bin/env python3
"""The worked example's last check (issue 13): does the final model of a `catpot learn` run hold 10 ps of 600 K MD
without being flagged and without fragmenting?

    CATPOT="dotnet CatPot.Cli.dll" python3 tools/learn_final_md.py START.extxyz RUN [RUN ...] [--ps 10] [-T 600] [--seed 1]

For every run directory: the last round's model (`rounds/rNNN/train/model.safetensors`, which carries the round's
calibrated uncertainty) runs Langevin MD (0.5 fs, friction 0.01/fs, the run's exploration forces) from START in flag
mode with `--max-std` at the last round's flag threshold (`rounds/rNNN/round.json`); the trajectory is then checked
for fragments with tools/md_fragments.py's rule (bond: r < 1.5 x the sum of covalent radii). Prints one line per run
and a JSON summary on the last line. Standard library only, plus the `catpot` command.
"""
import argparse
import glob
import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from md_fragments import fragments, frames  # noqa: E402


def last_round(run):
    paths = sorted(glob.glob(os.path.join(run, "rounds", "r*", "round.json")))
    if not paths:
        sys.exit(f"{run}: no finished round (rounds/rNNN/round.json)")
    return os.path.dirname(paths[-1]), json.load(open(paths[-1]))


def count_frames(path):
    return sum(1 for _ in frames(path)) if os.path.exists(path) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("start")
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--ps", type=float, default=10.0)
    ap.add_argument("-T", "--temperature", type=float, default=600.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--every", type=int, default=20, help="steps between written frames")
    args = ap.parse_args()
    catpot = shlex.split(os.environ.get("CATPOT", "catpot"))
    steps = int(round(args.ps * 1000 / 0.5))
    summary = []
    for run in args.runs:
        rdir, record = last_round(run)
        settings = json.load(open(os.path.join(run, "learn.json")))
        forces = settings.get("forces", "Direct").lower()
        model = os.path.join(rdir, "train", "model.safetensors")
        out = os.path.join(run, f"final-md-{int(args.temperature)}K-seed{args.seed}.extxyz")
        flagged = out.replace(".extxyz", ".flagged.extxyz")
        for p in (out, flagged):
            if os.path.exists(p):
                os.remove(p)
        cmd = catpot + ["md", model, args.start, "--steps", str(steps), "--dt", "0.5", "--thermostat", "langevin",
                        "-T", str(args.temperature), "--friction", "0.01", "--forces", forces, "--seed", str(args.seed),
                        "--max-std", repr(record["threshold"]), "--flag", "--flagged", flagged, "-o", out,
                        "--interval", str(args.every)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        written = list(frames(out)) if os.path.exists(out) else []
        first_fragment = next((i for i, (_, atoms) in enumerate(written) if fragments(atoms) > 1), None)
        row = {
            "run": run,
            "exit": proc.returncode,
            "threshold_eV": record["threshold"],
            "frames": len(written),
            "ps_written": len(written) * args.every * 0.5 / 1000,
            "flagged_frames": count_frames(flagged),
            "first_fragment_ps": None if first_fragment is None else first_fragment * args.every * 0.5 / 1000,
        }
        summary.append(row)
        verdict = "ok" if proc.returncode == 0 and row["flagged_frames"] == 0 and first_fragment is None else "NOT ok"
        fragment = "none" if first_fragment is None else "at %.2f ps" % row["first_fragment_ps"]
        print(f"{run}: exit {proc.returncode}, {row['frames']} frames ({row['ps_written']:.2f} ps), "
              f"{row['flagged_frames']} flagged (limit {record['threshold']:.4g} eV), fragment {fragment}: {verdict}")
        if proc.returncode != 0:
            print(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "", file=sys.stderr)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
