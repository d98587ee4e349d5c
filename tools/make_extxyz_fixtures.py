#!/usr/bin/python3
"""Writes the extxyz test fixtures with ASE and records how ASE reads them back.

Run from the repository root with Debian's python3-ase (3.22):
    /usr/bin/python3 tools/make_extxyz_fixtures.py

Outputs (tests/CatPot.Tests/Fixtures/extxyz/):
  ase_types.extxyz      3 frames written by ase.io.write: energy/forces via SinglePointCalculator, info keys
                        of every type, extra per-atom arrays, a Lattice+pbc frame, a single-atom frame
  ase_types.extxyz.gz   the same bytes, gzip-compressed
  mace_keys.extxyz      2 frames with MACE-style keys (REF_energy, REF_forces, total_charge, total_spin)
  plain.xyz             plain XYZ (ase format "xyz": free-text comment line)
  xtb4_train_head.extxyz  the first 20 frames of /work/shared/data/xtb4/train.extxyz, copied verbatim
  <name>.ase.json       for each file: what ase.io.read(name, ':') returns (see tools/check_ase_roundtrip.py)
"""
import gzip
import os
import shutil
import subprocess
import sys

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import write

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'tests', 'CatPot.Tests', 'Fixtures', 'extxyz')
XTB4_TRAIN = '/work/shared/data/xtb4/train.extxyz'

rng = np.random.default_rng(20240611)


def with_calc(atoms, energy, forces):
    atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=forces)
    return atoms


def ase_types():
    water = Atoms('OH2', positions=[[0.0, 0.0, 0.119262], [0.0, 0.763239, -0.477047], [0.0, -0.763239, -0.477047]])
    water.info.update({
        'charge': 0, 'spin': 1,
        'an_int': 7, 'a_float': 0.25, 'a_neg_float': -1.5e-07, 'yes': True, 'no': False,
        'name': 'water molecule', 'word': 'aqua', 'quoted': 'say "hi"',
        'int_array': np.array([1, 2, 3]), 'float_array': np.array([0.5, 1.25, -3.0]),
        'bool_array': np.array([True, False, True]),
    })
    water.new_array('tag_ints', np.array([3, 1, 1]))
    water.new_array('dipoles', rng.normal(size=(3, 3)))
    water.new_array('fixed', np.array([True, False, False]))
    with_calc(water, -2079.8612345678, rng.normal(size=(3, 3)))

    crystal = Atoms('Si2', scaled_positions=[[0, 0, 0], [0.25, 0.25, 0.25]],
                    cell=[[0.0, 2.715, 2.715], [2.715, 0.0, 2.715], [2.715, 2.715, 0.0]], pbc=[True, True, False])
    crystal.info.update({'charge': -1, 'spin': 2, 'config_type': 'bulk'})
    with_calc(crystal, -10.5, rng.normal(size=(2, 3)))

    single = Atoms('Na', positions=[[1.0, 2.0, 3.0]])
    single.info.update({'charge': 1, 'spin': 1})
    with_calc(single, -4410.0, np.zeros((1, 3)))
    return [water, crystal, single]


def mace_keys():
    frames = []
    for i, (symbols, charge, spin) in enumerate([('CH4', 0, 1), ('NH3', 1, 2)]):
        n = len(Atoms(symbols))
        atoms = Atoms(symbols, positions=rng.normal(scale=1.2, size=(n, 3)) + np.arange(n)[:, None] * 0.9)
        atoms.info.update({'REF_energy': -1000.0 - 17.25 * i, 'total_charge': charge, 'total_spin': spin,
                           'config_type': 'train set', 'head': 'omol'})
        atoms.new_array('REF_forces', rng.normal(size=(n, 3)))
        frames.append(atoms)
    return frames


def plain():
    atoms = Atoms('COO', positions=[[0, 0, 0], [0, 0, 1.16], [0, 0, -1.16]])
    return [atoms]


def xtb4_head(path, frames=20):
    with open(XTB4_TRAIN) as src, open(path, 'w') as dst:
        for _ in range(frames):
            count = src.readline()
            dst.write(count)
            for _ in range(int(count) + 1):
                dst.write(src.readline())


def dump_readback(name):
    path = os.path.join(OUT, name)
    subprocess.run([sys.executable, os.path.join(HERE, 'check_ase_roundtrip.py'), path, path + '.ase.json'], check=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    write(os.path.join(OUT, 'ase_types.extxyz'), ase_types(), format='extxyz')
    with open(os.path.join(OUT, 'ase_types.extxyz'), 'rb') as src, \
            gzip.GzipFile(os.path.join(OUT, 'ase_types.extxyz.gz'), 'wb', mtime=0) as dst:
        shutil.copyfileobj(src, dst)
    write(os.path.join(OUT, 'mace_keys.extxyz'), mace_keys(), format='extxyz')
    write(os.path.join(OUT, 'plain.xyz'), plain(), format='xyz', comment='carbon dioxide, plain XYZ')
    names = ['ase_types.extxyz', 'mace_keys.extxyz', 'plain.xyz']
    if os.path.exists(XTB4_TRAIN):
        xtb4_head(os.path.join(OUT, 'xtb4_train_head.extxyz'))
        names.append('xtb4_train_head.extxyz')
    for name in names:
        dump_readback(name)


if __name__ == '__main__':
    main()
