#!/usr/bin/python3
"""Writes the ASE-compatibility fixtures: extxyz files as ASE 3.22's ase.io.write makes them (vec_cell=True,
_JSON info keys, extra arrays, stress, charges) and ASE databases (ase.db: SQLite .db and .json), each with a
JSON record of what ASE reads back, so the C# tests check CatPot's reading without Python.

Run from the repository root with Debian's python3-ase (3.22):
    /usr/bin/python3 tools/make_ase_write_fixtures.py

Outputs (tests/CatPot.Tests/Fixtures/ase_write/):
  <case>.extxyz + <case>.extxyz.ase.json   (tools/check_ase_roundtrip.py's shape)
  rows.db, rows.json + rows.expected.json   (what ase.db.connect(...).select() returns, per row)
"""
import json
import os
import subprocess
import sys

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.db import connect
from ase.io import write

from ase_values import plain

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'tests', 'CatPot.Tests', 'Fixtures', 'ase_write')
RNG = np.random.default_rng(14)


def water(shift=0.0):
    return Atoms('OH2', positions=[[0, 0, 0.1 + shift], [0.76, 0, -0.47], [-0.76, 0, -0.47]])


def labelled(atoms, energy, stress=False, charges=False):
    results = {'energy': energy, 'forces': RNG.normal(size=(len(atoms), 3)).round(6)}
    if stress:
        results['stress'] = RNG.normal(size=6).round(6)
    if charges:
        results['charges'] = RNG.normal(size=len(atoms)).round(4)
    atoms.calc = SinglePointCalculator(atoms, **results)
    return atoms


def extxyz_cases():
    cases = {}
    # vec_cell=True writes the cell as VEC lines after the atoms (only periodic directions; ASE 3.22 fails
    # to write a non-periodic cell this way, so every case here has some periodic direction).
    a = labelled(water(), -14.25)
    a.cell = [6.0, 7.0, 8.0]
    a.pbc = True
    b = labelled(water(0.2), -14.5)
    b.cell = [[5.0, 0.1, 0.0], [0.0, 6.0, 0.2], [0.3, 0.0, 7.0]]
    b.pbc = True
    cases['vec_cell'] = ([a, b], {'vec_cell': True})
    c = water()
    c.cell = [5.0, 6.0, 7.0]
    c.pbc = [True, False, True]
    cases['vec_cell_mixed_pbc'] = ([c], {'vec_cell': True})

    # pbc in every combination, Lattice on the comment line.
    frames = []
    for mask in range(8):
        f = water(0.01 * mask)
        f.cell = [4.0 + mask, 5.0, 6.0]
        f.pbc = [bool(mask & 1), bool(mask & 2), bool(mask & 4)]
        frames.append(f)
    cases['pbc_all'] = (frames, {})

    # info values that ASE writes as _JSON (dicts, nested and mixed lists) next to plain ones.
    d = labelled(water(), -13.0)
    d.info['config'] = {'method': 'PBE', 'basis': 'def2-SVP', 'cutoff': 400.5, 'flags': [1, 2, 3]}
    d.info['nested'] = [[1, 2], [3, 4]]
    d.info['mixed'] = [1, 'two', 3.0]
    d.info['name'] = 'water molecule'
    d.info['count'] = 7
    cases['json_keys'] = ([d], {})

    # extra per-atom arrays, stress and charges from a calculator, initial charges.
    e = labelled(Atoms('CH4', positions=[[0, 0, 0], [0.63, 0.63, 0.63], [-0.63, -0.63, 0.63],
                                         [-0.63, 0.63, -0.63], [0.63, -0.63, -0.63]]), -24.0, stress=True, charges=True)
    e.new_array('tag_ints', np.arange(5, dtype=int))
    e.new_array('vectors', RNG.normal(size=(5, 3)).round(5))
    e.new_array('fixed', np.array([True, False, False, True, False]))
    e.new_array('labels', np.array(['a', 'b', 'c', 'd', 'e']))
    e.info['charge'] = 0
    e.info['spin'] = 1
    # ASE 3.22 cannot read back a frame holding both initial_charges and calculated charges ('Array
    # initial_charges already present'), so initial charges get a frame of their own.
    g = water()
    g.set_initial_charges([-0.8, 0.4, 0.4])
    cases['arrays_stress_charges'] = ([e, g], {})
    return cases


def db_rows():
    rows = []
    a = labelled(water(), -14.25)
    rows.append((a, {'charge': 0, 'spin': 1, 'name': 'water', 'score': 0.5, 'ok': True}, {}))
    b = labelled(Atoms('NH4', positions=[[0, 0, 0], [0.6, 0.6, 0.6], [-0.6, -0.6, 0.6], [-0.6, 0.6, -0.6],
                                         [0.6, -0.6, -0.6]]), -30.5)
    rows.append((b, {'domain': 'ions'}, {'charge': 1, 'spin': 1, 'grid': np.arange(6, dtype=float).reshape(2, 3),
                                         'ints': np.arange(4), 'note': 'data entry'}))
    c = water(0.3)
    c.cell = [5.0, 6.0, 7.0]
    c.pbc = [True, False, True]
    rows.append((c, {}, {}))
    # Set the atoms' arrays before the calculator: changing them afterwards makes ASE drop the results.
    d = Atoms('CO', positions=[[0, 0, 0], [0, 0, 1.13]])
    d.set_initial_charges([0.25, -0.25])
    d.set_initial_magnetic_moments([0.0, 1.0])
    d.set_tags([1, 2])
    d = labelled(d, -20.0, stress=True, charges=True)
    rows.append((d, {'spin': 3}, {}))
    e = Atoms('O', positions=[[0, 0, 0]])
    e.set_initial_charges([-2.0])
    rows.append((e, {}, {}))
    return rows


def write_db(path, rows):
    if os.path.exists(path):
        os.remove(path)
    db = connect(path, append=False)
    for atoms, kvp, data in rows:
        db.write(atoms, key_value_pairs=kvp, data=data)


def read_db(path):
    out = []
    for row in connect(path).select():
        out.append({
            'id': row.id,
            'numbers': row.numbers.tolist(),
            'positions': row.positions.tolist(),
            'cell': row.cell.tolist(),
            'pbc': [bool(x) for x in row.pbc],
            'energy': plain(row.get('energy')),
            'forces': plain(row.get('forces')),
            'stress': plain(row.get('stress')),
            'charges': plain(row.get('charges')),
            'initial_charges': plain(row.get('initial_charges')),
            'key_value_pairs': plain(row.key_value_pairs),
            'data': plain(dict(row.data)),
        })
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (frames, kwargs) in extxyz_cases().items():
        path = os.path.join(OUT, name + '.extxyz')
        write(path, frames, format='extxyz', **kwargs)
        subprocess.run([sys.executable, os.path.join(HERE, 'check_ase_roundtrip.py'), path, path + '.ase.json'], check=True)
    rows = db_rows()
    expected = None
    for ext in ('db', 'json'):
        path = os.path.join(OUT, 'rows.' + ext)
        write_db(path, rows)
        got = read_db(path)
        if expected is None:
            expected = got
        else:
            assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True), 'sqlite and json rows differ'
    with open(os.path.join(OUT, 'rows.expected.json'), 'w') as f:
        json.dump({'ase_version': __import__('ase').__version__, 'rows': expected}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
