#!/usr/bin/python3
"""Make the LMDB / .aselmdb test fixtures for CatPot's managed LMDB reader.

Run with Debian's python3 (python3-ase 3.22, python3-lmdb 1.4.0 = real liblmdb 0.9.x):

    /usr/bin/python3 tools/make_aselmdb_fixtures.py [SHARED_ASELMDB_DIR]

Writes into tests/CatPot.Tests/Fixtures/aselmdb/:
  small.aselmdb      14 ids, 3 deleted, __ndarray__ arrays, a periodic row (ASE cell object),
                     key_value_pairs, charge/spin in data, one row whose data holds a bare NaN
  overflow.aselmdb   rows of 300 and 120 atoms whose values need LMDB overflow pages
  legacy.aselmdb     plain nested-list arrays (older fairchem/orjson writers), NaN -> null
  fallback.aselmdb   charge/spin not in data: key_value_pairs, initial_charges, or absent
  shards/a.aselmdb, shards/b.aselmdb   a dataset split in two files
  deep.lmdb          a plain LMDB (not ASE) with 400-byte keys: B-tree depth >= 3, and some
                     values larger than a page
  empty.lmdb         an LMDB with no entries
  *.expected.json    what python3-lmdb + ase.io.jsonio decode from each file
  shared_modern.aselmdb, shared_legacy.aselmdb, shared.expected.json
                     copies of /work/shared/data/aselmdb/{modern,legacy}.aselmdb and the content of
                     its expected.extxyz as read by ase.io.read
"""
import hashlib
import json
import os
import random
import shutil
import sys
import zlib

import lmdb
import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import read
from ase.io.jsonio import decode, encode

from ase_values import lmdb_row

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'tests', 'CatPot.Tests', 'Fixtures', 'aselmdb')
SHARED = sys.argv[1] if len(sys.argv) > 1 else '/work/shared/data/aselmdb'
rng = np.random.default_rng(20250611)
random.seed(20250611)  # atoms2dict draws unique_id from Python's random


def molecule(natoms, **atoms_kwargs):
    numbers = rng.choice([1, 6, 7, 8, 9, 16, 17, 26, 35, 53], size=natoms)
    positions = rng.normal(0.0, 1.5 * natoms ** (1 / 3), size=(natoms, 3))
    forces = rng.normal(0.0, 1.0, size=(natoms, 3))
    energy = float(-10.0 * natoms + rng.normal())
    # Cell, pbc and charges must be set before the calculator, or ASE drops the results as stale.
    atoms = Atoms(numbers=numbers, positions=positions, **atoms_kwargs)
    atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=forces)
    return atoms


def open_env(path, **kw):
    for p in (path, path + '-lock'):
        if os.path.exists(p):
            os.remove(p)
    return lmdb.open(path, subdir=False, map_size=64 << 20, **kw)


def write_ase_db(path, rows, deleted, legacy=False):
    """rows: {id: dict}. ids in `deleted` are written and then deleted, as ASE does."""
    env = open_env(path)
    nextid = max(list(rows) + list(deleted)) + 1
    with env.begin(write=True) as txn:
        for i in sorted(list(rows) + list(deleted)):
            dct = rows.get(i) or lmdb_row(molecule(3), {'charge': 0, 'spin': 1})
            txn.put(str(i).encode('ascii'), zlib.compress(serialize(dct, legacy).encode('utf-8')))
        txn.put(b'nextid', zlib.compress(encode(nextid).encode()))
        txn.put(b'metadata', zlib.compress(encode({'title': os.path.basename(path)}).encode()))
        if deleted:
            txn.put(b'deleted_ids', zlib.compress(encode(sorted(deleted)).encode()))
    with env.begin(write=True) as txn:
        for i in deleted:
            assert txn.delete(str(i).encode('ascii'))
    env.close()
    os.remove(path + '-lock')


def serialize(dct, legacy):
    if not legacy:
        return encode(dct)

    def plain(x):
        if isinstance(x, np.ndarray):
            return plain(x.tolist())
        if hasattr(x, 'todict'):
            return plain(np.asarray(x))
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [plain(v) for v in x]
        if isinstance(x, float) and x != x:
            return None  # orjson writes NaN as null
        if isinstance(x, (np.integer,)):
            return int(x)
        if isinstance(x, (np.floating,)):
            return float(x)
        if isinstance(x, np.bool_):
            return bool(x)
        return x
    return json.dumps(plain(dct))


def check_labelled(view):
    for row in view['rows']:
        assert row['energy'] is not None and row['forces'] is not None, row['id']
    return view


def ase_view(path):
    """Rows in numeric id order, decoded with python3-lmdb + ase.io.jsonio (ASE's own decoder)."""
    env = lmdb.open(path, subdir=False, readonly=True, lock=False)
    out = []
    with env.begin() as txn:
        nextid = decode(zlib.decompress(txn.get(b'nextid')).decode())
        raw = txn.get(b'deleted_ids')
        deleted = set(decode(zlib.decompress(raw).decode())) if raw else set()
        cursor_order = [k.decode() for k, _ in txn.cursor()]
        for i in range(1, nextid):
            if i in deleted:
                continue
            text = zlib.decompress(txn.get(str(i).encode())).decode()
            d = decode(text)
            data = d.get('data', {}) or {}
            kvp = d.get('key_value_pairs', {}) or {}
            numbers = np.asarray(d['numbers']).astype(int)
            charge = data.get('charge', kvp.get('charge'))
            if charge is None and 'initial_charges' in d:
                charge = int(round(float(np.sum(d['initial_charges']))))
            spin = data.get('spin', kvp.get('spin'))
            row = {
                'id': i,
                'numbers': numbers.tolist(),
                'positions': np.asarray(d['positions'], dtype=float).ravel().tolist(),
                'energy': d.get('energy'),
                'forces': None if d.get('forces') is None else np.asarray(d['forces'], dtype=float).ravel().tolist(),
                'charge': 0 if charge is None else int(charge),
                'spin': 1 if spin is None else int(spin),
                'charge_defaulted': charge is None,
                'spin_defaulted': spin is None,
                'pbc': [bool(b) for b in np.asarray(d.get('pbc', [False] * 3)).tolist()],
                'cell': np.asarray(d['cell'] if 'cell' in d else np.zeros((3, 3)), dtype=float).ravel().tolist(),
                'info': {k: v for k, v in {**data, **kvp}.items()
                         if k not in ('charge', 'spin') and isinstance(v, (str, int, float)) and v == v},
            }
            out.append(row)
    env.close()
    return {'count': len(out), 'nextid': nextid, 'deleted_ids': sorted(deleted),
            'cursor_order': cursor_order, 'rows': out}


def write_expected(path, view):
    with open(path, 'w') as f:
        json.dump(view, f, allow_nan=False, default=lambda o: o.item())
        f.write('\n')


def make_small():
    rows = {}
    for i in range(1, 15):
        if i == 4:
            atoms = molecule(2 + i % 5, cell=[[5.0, 0, 0], [0.5, 6.0, 0], [0, 0, 7.0]], pbc=[True, True, False])
        else:
            atoms = molecule(2 + i % 5)
        data = {'charge': (i % 3) - 1, 'spin': 1 + (i % 2), 'source': f'small/{i}',
                'data_id': 'elytes' if i % 2 else 'biomolecules', 'composition': atoms.get_chemical_formula()}
        kvp = {}
        if i == 6:
            kvp = {'config': 3, 'sampling': 'md', 'sigma': 0.04}
        if i == 7:
            data['homo_lumo_gap'] = float('nan')  # Python's json writes a bare NaN token
            data['mulliken_charges'] = rng.normal(size=len(atoms))
        rows[i] = lmdb_row(atoms, data, kvp)
    deleted = [2, 5, 11]
    for d in deleted:
        rows.pop(d)
    path = os.path.join(OUT, 'small.aselmdb')
    write_ase_db(path, rows, deleted)
    write_expected(os.path.join(OUT, 'small.expected.json'), check_labelled(ase_view(path)))


def make_overflow():
    rows = {1: lmdb_row(molecule(300), {'charge': -1, 'spin': 2, 'source': 'big/300', 'data_id': 'biomolecules'}),
            2: lmdb_row(molecule(4), {'charge': 0, 'spin': 1, 'source': 'small/4', 'data_id': 'spice'}),
            3: lmdb_row(molecule(120), {'charge': 2, 'spin': 3, 'source': 'big/120', 'data_id': 'metal_complexes'})}
    path = os.path.join(OUT, 'overflow.aselmdb')
    write_ase_db(path, rows, [])
    write_expected(os.path.join(OUT, 'overflow.expected.json'), ase_view(path))


def make_legacy():
    rows = {}
    for i in range(1, 13):
        rows[i] = lmdb_row(molecule(3 + i % 4), {'charge': i % 2, 'spin': 2 - i % 2, 'source': f'legacy/{i}',
                                                 'data_id': 'neutral_organics'})
    rows[5]['data']['homo'] = float('nan')  # becomes null in plain-list files
    path = os.path.join(OUT, 'legacy.aselmdb')
    write_ase_db(path, rows, [9], legacy=True)
    write_expected(os.path.join(OUT, 'legacy.expected.json'), ase_view(path))


def make_fallback():
    a1 = molecule(3)
    a2 = molecule(4, charges=[0.5, 0.5, -1.0, -1.0])
    a3 = molecule(2)
    rows = {1: lmdb_row(a1, {'source': 'kvp'}, {'charge': -2, 'spin': 3}),
            2: lmdb_row(a2, {'source': 'initial_charges'}),
            3: lmdb_row(a3, {'source': 'none'})}
    path = os.path.join(OUT, 'fallback.aselmdb')
    write_ase_db(path, rows, [])
    write_expected(os.path.join(OUT, 'fallback.expected.json'), check_labelled(ase_view(path)))


def make_shards():
    d = os.path.join(OUT, 'shards')
    os.makedirs(d, exist_ok=True)
    views = []
    for name, n, deleted in (('a.aselmdb', 5, [2]), ('b.aselmdb', 7, [])):
        rows = {i: lmdb_row(molecule(2 + i), {'charge': 0, 'spin': 1, 'source': f'{name}/{i}'})
                for i in range(1, n + 1) if i not in deleted}
        path = os.path.join(d, name)
        write_ase_db(path, rows, deleted)
        views.append({'file': name, **ase_view(path)})
    write_expected(os.path.join(OUT, 'shards.expected.json'), {'shards': views})


def make_plain_lmdbs():
    path = os.path.join(OUT, 'deep.lmdb')
    env = open_env(path)
    entries = {}
    with env.begin(write=True) as txn:
        for i in range(300):
            key = (f'{(i * 7919) % 1000:04d}-' + 'k' * 395).encode('ascii')
            value = hashlib.sha256(key).digest() * (1 if i % 50 else 400)  # every 50th: 12800 bytes
            txn.put(key, value)
            entries[key] = value
    stat = env.stat()
    env.close()
    os.remove(path + '-lock')
    assert stat['depth'] >= 3, stat
    env = lmdb.open(path, subdir=False, readonly=True, lock=False)
    with env.begin() as txn:
        listed = [{'key': k.decode('ascii'), 'length': len(v), 'sha256': hashlib.sha256(v).hexdigest()}
                  for k, v in txn.cursor()]
    env.close()
    write_expected(os.path.join(OUT, 'deep.expected.json'), {'stat': stat, 'entries': listed})

    path = os.path.join(OUT, 'empty.lmdb')
    env = open_env(path)
    env.close()
    os.remove(path + '-lock')


def make_shared():
    shutil.copyfile(os.path.join(SHARED, 'modern.aselmdb'), os.path.join(OUT, 'shared_modern.aselmdb'))
    shutil.copyfile(os.path.join(SHARED, 'legacy.aselmdb'), os.path.join(OUT, 'shared_legacy.aselmdb'))
    frames = read(os.path.join(SHARED, 'expected.extxyz'), index=':')
    rows = []
    for a in frames:
        rows.append({'id': int(a.info['row_id']), 'numbers': a.numbers.tolist(),
                     'positions': a.positions.ravel().tolist(),
                     'energy': float(a.get_potential_energy()),
                     'forces': a.get_forces().ravel().tolist(),
                     'charge': int(a.info['charge']), 'spin': int(a.info['spin'])})
    write_expected(os.path.join(OUT, 'shared.expected.json'), {'count': len(rows), 'rows': rows})


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    make_small()
    make_overflow()
    make_legacy()
    make_fallback()
    make_shards()
    make_plain_lmdbs()
    make_shared()
    for name in sorted(os.listdir(OUT)):
        p = os.path.join(OUT, name)
        if os.path.isfile(p):
            print(f'{name:28s} {os.path.getsize(p):8d}')
