#!/usr/bin/env python3
"""Seeded random split of an extxyz file into named parts (frame text copied verbatim, original order kept).

Usage: split_frames.py IN.xyz OUTDIR SEED NAME:COUNT [NAME:COUNT ...] [NAME:rest]
The frames are shuffled with numpy-free Python `random.Random(SEED)`; the first COUNT go to the first name, the
next COUNT to the second, and so on; `rest` takes what is left. Each part keeps the frames in file order, so a
split is the same on every machine for the same seed and file. Writes OUTDIR/NAME.xyz and prints the counts.
"""
import os
import random
import sys


def frames(path):
    with open(path) as f:
        while True:
            head = f.readline()
            if not head.strip():
                return
            n = int(head)
            yield head + "".join(f.readline() for _ in range(n + 1))


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    src, out, seed, specs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    os.makedirs(out, exist_ok=True)
    all_frames = list(frames(src))
    order = list(range(len(all_frames)))
    random.Random(seed).shuffle(order)
    start = 0
    for spec in specs:
        name, count = spec.split(":")
        stop = len(order) if count == "rest" else start + int(count)
        if stop > len(order):
            sys.exit(f"{src}: {len(order)} frames, the split asks for {stop}")
        picked = sorted(order[start:stop])
        with open(os.path.join(out, name + ".xyz"), "w") as f:
            f.writelines(all_frames[i] for i in picked)
        print(f"{name}: {len(picked)} frames of {os.path.basename(src)}")
        start = stop


if __name__ == "__main__":
    main()
