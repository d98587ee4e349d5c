#!/usr/bin/env python3
"""Summarises `catpot learn` runs: final held-out force/energy MAE per selection strategy, mean ± std over seeds.

    python3 tools/learn_summary.py active:s0-active,s1-active,s2-active random:s0-random,s1-random,s2-random

Reads rounds/rNNN/round.json of every run (standard library only).
"""
import glob
import json
import os
import statistics
import sys


def rounds(run):
    return [json.load(open(p)) for p in sorted(glob.glob(os.path.join(run, "rounds", "r*", "round.json")))]


def fmt(values):
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


finals = {}
print("| selection | run | rounds | labels | final test force MAE (eV/Å) | final test energy MAE (eV) | stop |")
print("|---|---|---|---|---|---|---|")
for group in sys.argv[1:]:
    name, runs = group.split(":", 1)
    for run in runs.split(","):
        rs = rounds(run)
        if not rs:
            continue
        last = rs[-1]
        finals.setdefault(name, []).append(last)
        print(f"| {name} | {run} | {len(rs)} | {last['labels']} | {last.get('test_force_mae') or float('nan'):.4f} | "
              f"{last.get('test_energy_mae') or float('nan'):.4f} | {last.get('stop') or '(running)'} |")
print()
print("| selection | runs | labels | force MAE (eV/Å) | energy MAE (eV) |")
print("|---|---|---|---|---|")
for name, lasts in finals.items():
    print(f"| {name} | {len(lasts)} | {fmt([l['labels'] for l in lasts])} | {fmt([l['test_force_mae'] for l in lasts])} | "
          f"{fmt([l['test_energy_mae'] for l in lasts])} |")
if "active" in finals and "random" in finals:
    a = statistics.mean(l["test_force_mae"] for l in finals["active"])
    r = statistics.mean(l["test_force_mae"] for l in finals["random"])
    print(f"\nactive / random force MAE: {a / r:.3f}")
