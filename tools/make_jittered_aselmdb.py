#!/usr/bin/python3
"""Write a large .aselmdb dataset for CatPot's memory and throughput tests of `catpot train --read-by-index`.

    /usr/bin/python3 tools/make_jittered_aselmdb.py SOURCE.extxyz OUT_DIR [--structures 1000000]
        [--shard-size 100000] [--jitter 0.01] [--seed 16]

Cycles through the frames of SOURCE (e.g. ../shared/data/xtb4/train.extxyz) until --structures rows are written,
adding to every position a seeded Gaussian jitter of --jitter Å per component, and writes them as
OUT_DIR/shard-0000.aselmdb, shard-0001.aselmdb, ... (--shard-size rows each), in the layout of fairchem's
LMDB ASE backend that OMol25 uses: key str(id) -> zlib(JSON row), ids 1..n, 'nextid', 'metadata'.

THE LABELS ARE NOT PHYSICAL: each row keeps the energy and forces of its unjittered source frame, so the
jittered positions no longer match them. The data set only exercises reading, memory and throughput (a
dataset of 10^6 structures for issue 16); never use it to judge accuracy.

Needs Debian's python3-lmdb and python3-numpy (ase is used only to read SOURCE). Writes about 1.5 GB per
10^6 xtb4-like structures (21.7 atoms on average); put OUT_DIR under /tmp, not in the repository.
"""
import argparse
import json
import os
import time
import zlib

import lmdb
import numpy as np
from ase.io import read


def ndarray(values, dtype):
    a = np.asarray(values)
    return {'__ndarray__': [list(a.shape), dtype, a.ravel().tolist()]}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('source')
    p.add_argument('out')
    p.add_argument('--structures', type=int, default=1_000_000)
    p.add_argument('--shard-size', type=int, default=100_000)
    p.add_argument('--jitter', type=float, default=0.01, help='std of the position jitter, Å')
    p.add_argument('--seed', type=int, default=16)
    a = p.parse_args()

    frames = read(a.source, index=':')
    base = []
    for at in frames:
        info = at.info
        data = {'charge': int(info.get('charge', 0)), 'spin': int(info.get('spin', 1))}
        if 'domain' in info:
            data['domain'] = str(info['domain'])
        calc = at.calc
        base.append((at.numbers.astype(np.int64), at.positions.copy(), float(calc.get_potential_energy()),
                     calc.get_forces().tolist(), data))
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)
    start = time.time()
    written = 0
    shard = 0
    while written < a.structures:
        rows = min(a.shard_size, a.structures - written)
        path = os.path.join(a.out, f'shard-{shard:04d}.aselmdb')
        for f in (path, path + '-lock'):
            if os.path.exists(f):
                os.remove(f)
        env = lmdb.open(path, subdir=False, map_size=1 << 34, lock=True)
        txn = env.begin(write=True)
        for i in range(1, rows + 1):
            numbers, positions, energy, forces, data = base[(written + i - 1) % len(base)]
            jittered = positions + rng.normal(0.0, a.jitter, size=positions.shape)
            n = len(numbers)
            row = {
                'numbers': ndarray(numbers, 'int64'),
                'positions': ndarray(jittered, 'float64'),
                'cell': ndarray(np.zeros((3, 3)), 'float64'),
                'pbc': ndarray([False, False, False], 'bool'),
                'energy': energy,
                'forces': {'__ndarray__': [[n, 3], 'float64', [x for v in forces for x in v]]},
                'ctime': 25.4, 'mtime': 25.4, 'user': 'catpot-jitter',
                'key_value_pairs': {},
                'data': data,
            }
            txn.put(str(i).encode('ascii'), zlib.compress(json.dumps(row).encode('utf-8')))
            if i % 20000 == 0:
                txn.commit()
                txn = env.begin(write=True)
        txn.put(b'nextid', zlib.compress(json.dumps(rows + 1).encode()))
        txn.put(b'metadata', zlib.compress(json.dumps({'title': 'xtb4 jittered, labels not physical'}).encode()))
        txn.commit()
        env.close()
        os.remove(path + '-lock')
        written += rows
        shard += 1
        print(f'{path}: {rows} rows ({written} of {a.structures}, {time.time() - start:.0f} s)', flush=True)


if __name__ == '__main__':
    main()
