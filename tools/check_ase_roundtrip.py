#!/usr/bin/python3
"""Reads an extxyz/xyz file with ASE and dumps what ASE sees as JSON, so tests can compare CatPot's reading
(or CatPot's writing) with ASE's.

    /usr/bin/python3 tools/check_ase_roundtrip.py FILE [OUT.json]

Per frame: numbers, positions, cell (3 lattice vectors, or null when the cell is zero), pbc, info (atoms.info,
arrays as lists), arrays (atoms.arrays other than numbers/positions) and calc (SinglePointCalculator results).
Floats are written with Python's repr, so they round-trip exactly.
"""
import json
import sys

from ase.io import read

from ase_values import plain


def frame(atoms):
    calc = {}
    if atoms.calc is not None:
        calc = {k: plain(v) for k, v in atoms.calc.results.items()}
    cell = atoms.cell.array
    return {
        'numbers': atoms.numbers.tolist(),
        'positions': atoms.positions.tolist(),
        'cell': cell.tolist() if cell.any() else None,
        'pbc': [bool(x) for x in atoms.pbc],
        'info': {k: plain(v) for k, v in atoms.info.items()},
        'arrays': {k: plain(v) for k, v in atoms.arrays.items() if k not in ('numbers', 'positions')},
        'calc': calc,
    }


def main():
    path = sys.argv[1]
    frames = [frame(a) for a in read(path, index=':')]
    text = json.dumps({'file': path.split('/')[-1], 'frames': frames}, indent=1)
    if len(sys.argv) > 2:
        with open(sys.argv[2], 'w') as f:
            f.write(text + '\n')
    else:
        print(text)


if __name__ == '__main__':
    main()
