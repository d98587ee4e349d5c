#!/usr/bin/python3
"""Make the fixtures of the `catpot` command tests (tests/CatPot.Tests/Fixtures/cli/).

Run with Debian's python3 (python3-ase 3.22, python3-lmdb 1.4.0):

    /usr/bin/python3 tools/make_cli_fixtures.py

close_contact.aselmdb  an ASE LMDB database (the aselmdb backend's layout: key = decimal row id, value =
                       zlib.compress(ase.io.jsonio.encode(row)), plus nextid / deleted_ids / metadata) with
                       three water molecules; in row 2 (dataset index 1) the second H sits 0.05 Å from the
                       first, so validation must reject that row.
"""
import json
import os
import zlib

import lmdb
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io.jsonio import encode
import random

from ase_values import lmdb_row

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'tests', 'CatPot.Tests', 'Fixtures', 'cli')
random.seed(7)  # atoms2dict draws unique_id from Python's random


def water(second_h):
    atoms = Atoms('OH2', positions=[(0.0, 0.0, 0.0), (0.96, 0.0, 0.0), second_h])
    atoms.calc = SinglePointCalculator(atoms, energy=-14.2, forces=[(0.1, 0.0, 0.0), (-0.05, 0.01, 0.0), (-0.05, -0.01, 0.0)])
    return lmdb_row(atoms, {'charge': 0, 'spin': 1})


def main():
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'close_contact.aselmdb')
    for p in (path, path + '-lock'):
        if os.path.exists(p):
            os.remove(p)
    rows = {1: water((-0.24, 0.93, 0.0)), 2: water((1.01, 0.0, 0.0)), 3: water((-0.24, 0.93, 0.0))}
    env = lmdb.open(path, subdir=False, map_size=1 << 20)
    with env.begin(write=True) as txn:
        for i, dct in rows.items():
            txn.put(str(i).encode(), zlib.compress(encode(dct).encode()))
        txn.put(b'nextid', zlib.compress(json.dumps(4).encode()))
        txn.put(b'deleted_ids', zlib.compress(json.dumps([]).encode()))
        txn.put(b'metadata', zlib.compress(json.dumps({}).encode()))
    env.close()
    if os.path.exists(path + '-lock'):
        os.remove(path + '-lock')


if __name__ == '__main__':
    main()
