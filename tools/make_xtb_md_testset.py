#!/usr/bin/env python3
"""Held-out test set for `catpot learn`: GFN2-xTB MD frames at a fixed temperature, each re-labelled with a
GFN2-xTB single point with the xtb4 settings (`--gfn 2 --chrg Q --uhf S-1 --grad --acc 0.01`, energy/gradient from
mol.engrad, Hartree 27.211386245988 eV, Bohr 0.529177210903 Å), written as extended XYZ that `catpot` and ASE read.

Only the Python standard library and the `xtb` program (Debian package `xtb`) are needed.

    python3 tools/make_xtb_md_testset.py START.extxyz OUT.extxyz --temperature 600 --ps 5 --every-fs 50

The MD is xtb's own (`xtb --md`, Berendsen NVT, real masses, no SHAKE, 0.5 fs steps by default); the first `--equilibrate-ps`
are dropped. xtb draws the initial velocities itself, so two runs give different (equally valid) frames.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HARTREE = 27.211386245988
BOHR = 0.529177210903


def read_first_frame(path):
    with open(path) as f:
        n = int(f.readline())
        comment = f.readline()
        atoms = [f.readline().split() for _ in range(n)]
    charge, spin = 0, 1
    for token in comment.split():
        if token.startswith("charge="):
            charge = int(token.split("=")[1])
        if token.startswith("spin="):
            spin = int(token.split("=")[1])
    return [(a[0], float(a[1]), float(a[2]), float(a[3])) for a in atoms], charge, spin


def write_xyz(path, atoms):
    with open(path, "w") as f:
        f.write(f"{len(atoms)}\nframe\n")
        for s, x, y, z in atoms:
            f.write(f"{s} {x:.8f} {y:.8f} {z:.8f}\n")


def read_trj(path, n):
    frames = []
    with open(path) as f:
        lines = f.read().splitlines()
    for i in range(0, len(lines) - n - 1, n + 2):
        atoms = []
        for line in lines[i + 2 : i + 2 + n]:
            p = line.split()
            atoms.append((p[0].capitalize(), round(float(p[1]), 8), round(float(p[2]), 8), round(float(p[3]), 8)))
        frames.append(atoms)
    return frames


def single_point(xtb, atoms, charge, spin):
    with tempfile.TemporaryDirectory(prefix="catpot-testset-") as d:
        write_xyz(os.path.join(d, "mol.xyz"), atoms)
        env = dict(os.environ, OMP_NUM_THREADS="1")
        r = subprocess.run([xtb, "mol.xyz", "--gfn", "2", "--chrg", str(charge), "--uhf", str(spin - 1), "--grad", "--acc", "0.01"],
                           cwd=d, env=env, capture_output=True, text=True, timeout=600)
        out = r.stdout + r.stderr
        if r.returncode != 0 or "normal termination of xtb" not in out or "not converged" in out:
            return None
        values = [l.strip() for l in open(os.path.join(d, "mol.engrad")) if l.strip() and not l.startswith("#")]
        energy = float(values[1]) * HARTREE
        forces = [-float(v) * HARTREE / BOHR for v in values[2 : 2 + 3 * len(atoms)]]
        return energy, forces


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("start")
    ap.add_argument("out")
    ap.add_argument("--temperature", type=float, default=600)
    ap.add_argument("--ps", type=float, default=5, help="production length after equilibration, ps")
    ap.add_argument("--equilibrate-ps", type=float, default=1)
    ap.add_argument("--every-fs", type=float, default=50, help="time between kept frames, fs")
    ap.add_argument("--step-fs", type=float, default=0.5, help="MD time step, fs")
    ap.add_argument("--xtb", default="xtb")
    args = ap.parse_args()
    xtb = shutil.which(args.xtb)
    if xtb is None:
        sys.exit("xtb not found: install it with 'sudo apt-get install xtb' (or conda install -c conda-forge xtb)")
    atoms, charge, spin = read_first_frame(args.start)
    step = args.step_fs
    with tempfile.TemporaryDirectory(prefix="catpot-md-") as d:
        write_xyz(os.path.join(d, "start.xyz"), atoms)
        with open(os.path.join(d, "md.inp"), "w") as f:
            f.write(f"$md\n  temp={args.temperature}\n  time={args.equilibrate_ps + args.ps}\n  dump={args.every_fs}\n"
                    f"  step={step}\n  hmass=1\n  shake=0\n  nvt=true\n$end\n")
        env = dict(os.environ, OMP_NUM_THREADS="1")
        r = subprocess.run([xtb, "start.xyz", "--gfn", "2", "--chrg", str(charge), "--uhf", str(spin - 1), "--md", "--input", "md.inp"],
                           cwd=d, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("xtb --md failed:\n" + (r.stderr or r.stdout)[-2000:])
        frames = read_trj(os.path.join(d, "xtb.trj"), len(atoms))
    skip = int(round(args.equilibrate_ps * 1000 / args.every_fs))
    kept = frames[skip:]
    failures = 0
    with open(args.out + ".tmp", "w") as f:
        for k, frame in enumerate(kept):
            label = single_point(xtb, frame, charge, spin)
            if label is None:
                failures += 1
                continue
            energy, forces = label
            time_fs = (skip + k) * args.every_fs
            f.write(f"{len(frame)}\nProperties=species:S:1:pos:R:3:forces:R:3 energy={energy!r} charge={charge} spin={spin} "
                    f"sampling=md md_temp={args.temperature:g} time_fs={time_fs:g} method=GFN2-xTB pbc=\"F F F\"\n")
            for (s, x, y, z), i in zip(frame, range(len(frame))):
                fx, fy, fz = forces[3 * i : 3 * i + 3]
                f.write(f"{s} {x!r} {y!r} {z!r} {fx!r} {fy!r} {fz!r}\n")
    os.replace(args.out + ".tmp", args.out)
    print(f"{args.out}: {len(kept) - failures} frames at {args.temperature:g} K ({failures} single points failed)")


if __name__ == "__main__":
    main()
