#!/usr/bin/python3
"""End-to-end check of `catpot serve` against ASE's SocketIOCalculator (the i-PI server side).

ASE (Debian python3-ase 3.22) drives a CatPot i-PI client through a few velocity-Verlet MD steps and a BFGS
optimisation over a unix socket (and once over TCP); every energy/force ASE received is then recomputed with CatPot's
in-process calculator (`evaluate`) and compared to 1e-6 relative. The client runs with its default extras (`--extras
none`, one zero byte), which is the form ASE 3.22 accepts: its server raises on any extras string longer than one byte
(`if morebytes:` on a numpy array), so the JSON extras (energy_std, energy_entropy, energy_tail_mass) are for i-PI;
the fake-server tests in the suite check them.

The client uses the hidden `--random-model SEED` debug option (a small random-weight HL-Gauss model), and the commands
run through tools/sim_harness.cs (`catpot` plus an `evaluate` subcommand); --catpot "dotnet run --project
src/CatPot.Cli -c Release --" runs the real CLI for the client (the comparison still needs the harness's `evaluate`).

Usage: /usr/bin/python3 tools/ipi_ase_e2e.py [--catpot CMD] [--seed 7] [--md-steps 5] [--bfgs-steps 100] [--fmax 0.002]
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np
from ase.build import molecule
from ase.calculators.socketio import SocketIOCalculator
from ase.io import write
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.md.verlet import VelocityVerlet
from ase.optimize import BFGS
from ase import units

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_session(catpot, seed, workdir, address, md_steps, bfgs_steps, fmax, server_kwargs):
    atoms = molecule("CH3CH2OH")
    atoms.center()
    structure = os.path.join(workdir, "ethanol.extxyz")
    write(structure, atoms, format="extxyz")
    log = open(os.path.join(workdir, f"serve-{address.replace('/', '_').replace(':', '_')}.log"), "w")
    client = subprocess.Popen(
        catpot + ["serve", "random", structure, "--ipi", address, "--random-model", str(seed), "--connect-timeout", "300"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    records = []
    try:
        calc = SocketIOCalculator(**server_kwargs)
        atoms.calc = calc

        def record():
            records.append((atoms.positions.copy(), atoms.get_potential_energy(), atoms.get_forces().copy()))

        MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(seed))
        md = VelocityVerlet(atoms, timestep=0.5 * units.fs)
        md.attach(record, interval=1)
        md.run(md_steps)
        opt = BFGS(atoms, logfile=os.path.join(workdir, "bfgs.log"))
        opt.attach(record, interval=1)
        converged = opt.run(fmax=fmax, steps=bfgs_steps)
        calc.close()
        code = client.wait(timeout=120)
    finally:
        if client.poll() is None:
            client.kill()
        log.close()
    return atoms, records, code, converged


def compare(catpot, seed, workdir, atoms, records):
    # Written by hand with repr() so the positions survive to the last bit (ASE's writer rounds to 8 decimals), after
    # the same Å -> Bohr -> Å round trip the socket applies.
    path = os.path.join(workdir, "frames.extxyz")
    with open(path, "w") as fh:
        for pos, _, _ in records:
            wire = (pos / units.Bohr) * units.Bohr
            fh.write(f"{len(atoms)}\nProperties=species:S:1:pos:R:3 pbc=\"F F F\"\n")
            for sym, p in zip(atoms.get_chemical_symbols(), wire):
                fh.write(f"{sym} {p[0]!r} {p[1]!r} {p[2]!r}\n")
    out = os.path.join(workdir, "inproc.json")
    subprocess.run(catpot + ["evaluate", "--random-model", str(seed), path, out], cwd=REPO, check=True)
    inproc = json.load(open(out))
    worst_e = worst_f = 0.0
    for (pos, e, f), ref in zip(records, inproc):
        fr = np.array(ref["forces"]).reshape(-1, 3)
        worst_e = max(worst_e, abs(e - ref["energy"]) / abs(ref["energy"]))
        worst_f = max(worst_f, np.abs(f - fr).max() / np.abs(fr).max())
    return worst_e, worst_f


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catpot", default="dotnet run tools/sim_harness.cs --")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--md-steps", type=int, default=5)
    ap.add_argument("--bfgs-steps", type=int, default=100)
    ap.add_argument("--fmax", type=float, default=0.002, help="BFGS threshold, eV/A (small: the random model's forces are weak)")
    args = ap.parse_args()
    catpot = shlex.split(args.catpot)
    ok = True
    with tempfile.TemporaryDirectory(prefix="catpot-ipi-") as workdir:
        name = f"catpot_e2e_{os.getpid()}"
        sessions = [("unix:" + name, dict(unixsocket=name)), ("127.0.0.1:31417", dict(port=31417))]
        for address, kwargs in sessions:
            t0 = time.time()
            atoms, records, code, converged = run_session(catpot, args.seed, workdir, address, args.md_steps, args.bfgs_steps, args.fmax, kwargs)
            worst_e, worst_f = compare(catpot, args.seed, workdir, atoms, records)
            good = code == 0 and worst_e <= 1e-6 and worst_f <= 1e-6 and len(records) > args.md_steps
            ok &= good
            print(f"{address}: {len(records)} evaluations (MD {args.md_steps} steps + BFGS to fmax {args.fmax}: converged={converged}), "
                  f"client exit {code}, max rel |dE| {worst_e:.2e}, max |dF|/max|F| {worst_f:.2e}, "
                  f"{time.time() - t0:.1f} s -> {'OK' if good else 'FAIL'}")
        if not ok:
            for f in sorted(os.listdir(workdir)):
                if f.startswith("serve-"):
                    print(f"--- {f}\n" + open(os.path.join(workdir, f)).read())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
