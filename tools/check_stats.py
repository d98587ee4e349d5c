#!/usr/bin/env python3
"""Makes the DatasetStatistics test fixture and its numpy reference values.

Writes tests/CatPot.Tests/Fixtures/Stats/frames.json: 240 frames of xtb4 train.extxyz (60 per domain,
random.Random(7) over frame indices, sorted), each with atomic numbers, energy (eV) and forces (eV/A);
and stats-numpy.json: the statistics computed here with numpy, in the same definitions as CatPot:
  refs  = numpy.linalg.lstsq(counts, E, rcond=None)  (minimum norm; elements absent -> 0)
  y     = (E - counts @ refs) / N;  mu = mean(y);  sd = std(y) (population);  y_min, y_max
  force_rms = sqrt(mean of all squared force components)

Usage: python3 tools/check_stats.py [train.extxyz] [out_dir]
"""
import json
import os
import random
import sys

import numpy as np
from ase.io import read

SEED = 7
PER_DOMAIN = 60


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/xtb4/train.extxyz"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "tests", "CatPot.Tests", "Fixtures", "Stats")
    os.makedirs(out, exist_ok=True)
    frames = read(src, index=":")
    rng = random.Random(SEED)
    chosen = []
    for dom in ("biomolecules", "electrolytes", "metal_complexes", "neutral_organics"):
        idx = [k for k, a in enumerate(frames) if a.info["domain"] == dom]
        chosen += rng.sample(idx, PER_DOMAIN)
    chosen.sort()

    records = []
    for k in chosen:
        a = frames[k]
        records.append({
            "index": k,
            "numbers": [int(z) for z in a.numbers],
            "energy": float(a.get_potential_energy()),
            "forces": [float(f) for f in a.get_forces().reshape(-1)],
        })
    with open(os.path.join(out, "frames.json"), "w", encoding="ascii") as f:
        json.dump({"source": os.path.basename(src), "seed": SEED, "frames": records}, f, separators=(",", ":"))

    # Reference values, from the JSON just written (exactly what the C# test reads).
    with open(os.path.join(out, "frames.json"), encoding="ascii") as f:
        records = json.load(f)["frames"]
    elements = sorted({z for r in records for z in r["numbers"]})
    counts = np.array([[r["numbers"].count(z) for z in elements] for r in records], dtype=np.float64)
    energy = np.array([r["energy"] for r in records], dtype=np.float64)
    refs, _, rank, sv = np.linalg.lstsq(counts, energy, rcond=None)
    natoms = counts.sum(axis=1)
    y = (energy - counts @ refs) / natoms
    forces = np.concatenate([np.array(r["forces"], dtype=np.float64) for r in records])
    result = {
        "elements": elements,
        "references": [float(v) for v in refs],
        "rank": int(rank),
        "mu": float(y.mean()), "sd": float(y.std()),
        "y_min": float(y.min()), "y_max": float(y.max()),
        "force_rms": float(np.sqrt(np.mean(forces ** 2))),
        "structures": len(records), "atoms": int(natoms.sum()), "force_components": int(forces.size),
    }
    with open(os.path.join(out, "stats-numpy.json"), "w", encoding="ascii") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("references",)}))


if __name__ == "__main__":
    main()
