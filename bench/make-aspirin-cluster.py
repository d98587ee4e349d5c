#!/usr/bin/env python3
"""Builds a non-periodic cluster (a roughly spherical droplet) of aspirin molecules for the scaling benchmark.

Usage: bench/make-aspirin-cluster.py MOLECULES OUT.extxyz [--source aspirin.extxyz] [--spacing 6.5] [--seed 0]

Molecules are MD frames of the md-aspirin trajectory (frame k mod 1800, so conformations differ), each centred,
rotated by a seeded random rotation (redrawn while it would bring an atom within 1.8 Å of a molecule already
placed) and placed on the cubic grid points closest to the origin (spacing 6.5 Å: 275 Å^3 per
molecule, a little looser than crystalline aspirin's 213 Å^3 at 1.40 g/cm^3, so that random orientations fit). 48 / 480 / 4800 molecules give 1,008 / 10,080 / 100,800
atoms. The energy and forces of the source frames are not copied (they do not describe the cluster). Deterministic for a
given seed; needs only the Python standard library.
"""
import argparse
import math
import random


def read_frames(path):
    frames = []
    with open(path) as f:
        while True:
            head = f.readline()
            if not head.strip():
                break
            n = int(head)
            f.readline()
            atoms = []
            for _ in range(n):
                p = f.readline().split()
                atoms.append((p[0], float(p[1]), float(p[2]), float(p[3])))
            frames.append(atoms)
    return frames


def random_rotation(rng):
    # Uniform random rotation from a unit quaternion (Shoemake).
    u1, u2, u3 = rng.random(), rng.random(), rng.random()
    a, b = math.sqrt(1 - u1), math.sqrt(u1)
    x, y, z, w = a * math.sin(2 * math.pi * u2), a * math.cos(2 * math.pi * u2), b * math.sin(2 * math.pi * u3), b * math.cos(2 * math.pi * u3)
    return [
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ]


def grid_points(count, spacing):
    r = 1
    while (2 * r + 1) ** 3 < 2 * count:
        r += 1
    pts = [(i, j, k) for i in range(-r, r + 1) for j in range(-r, r + 1) for k in range(-r, r + 1)]
    pts.sort(key=lambda p: (p[0] ** 2 + p[1] ** 2 + p[2] ** 2, p))
    return [(spacing * i, spacing * j, spacing * k) for i, j, k in pts[:count]]


# A rotation is redrawn (up to ROTATION_TRIES times, keeping the best) while an atom comes closer than this to an atom
# of an already placed molecule (about a hydrogen-bond contact).
MIN_INTERMOLECULAR = 1.8
ROTATION_TRIES = 50


def min_gap(placed, cells):
    gap = 1e9
    for _, x, y, z in placed:
        i, j, k = math.floor(x / 2), math.floor(y / 2), math.floor(z / 2)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for dk in (-1, 0, 1):
                    for (a, b, c) in cells.get((i + di, j + dj, k + dk), ()):
                        gap = min(gap, math.sqrt((a - x) ** 2 + (b - y) ** 2 + (c - z) ** 2))
    return gap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("molecules", type=int)
    ap.add_argument("out")
    ap.add_argument("--source", default="/work/shared/data/md-aspirin/aspirin.extxyz")
    ap.add_argument("--spacing", type=float, default=6.5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    frames = read_frames(args.source)
    rng = random.Random(args.seed)
    lines = []
    cells = {}  # placed atoms hashed by 2 Å cell, for the clash test
    for m, (cx, cy, cz) in enumerate(grid_points(args.molecules, args.spacing)):
        atoms = frames[m % len(frames)]
        mx = sum(a[1] for a in atoms) / len(atoms)
        my = sum(a[2] for a in atoms) / len(atoms)
        mz = sum(a[3] for a in atoms) / len(atoms)
        best, best_gap = None, -1.0
        for _ in range(ROTATION_TRIES):
            rot = random_rotation(rng)
            placed = []
            for s, x, y, z in atoms:
                d = (x - mx, y - my, z - mz)
                placed.append((s, cx + sum(rot[0][c] * d[c] for c in range(3)),
                               cy + sum(rot[1][c] * d[c] for c in range(3)),
                               cz + sum(rot[2][c] * d[c] for c in range(3))))
            gap = min_gap(placed, cells)
            if gap > best_gap:
                best, best_gap = placed, gap
            if gap >= MIN_INTERMOLECULAR:
                break
        for s, px, py, pz in best:
            cells.setdefault((math.floor(px / 2), math.floor(py / 2), math.floor(pz / 2)), []).append((px, py, pz))
            lines.append(f"{s} {px:.8f} {py:.8f} {pz:.8f}")
    with open(args.out, "w") as f:
        f.write(f"{len(lines)}\n")
        f.write(f'Properties=species:S:1:pos:R:3 charge=0 spin=1 pbc="F F F" source=aspirin_cluster molecules={args.molecules} spacing={args.spacing} seed={args.seed}\n')
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
