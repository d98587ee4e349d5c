#!/usr/bin/env python3
"""Split an extxyz file into named parts, frame text copied verbatim (no re-formatting).

Usage:
  split_frames.py IN OUTDIR NAME:START:STOP [NAME:START:STOP ...]
      contiguous blocks (time-block splits of MD trajectories): frames START..STOP-1 go to OUTDIR/NAME.extxyz.
  split_frames.py --seed SEED [--ext EXT] IN OUTDIR NAME:COUNT [NAME:COUNT ...] [NAME:rest]
      seeded random split: the frames are shuffled with Python's `random.Random(SEED)` (no numpy); the first COUNT go
      to the first name, the next COUNT to the second, and so on; `rest` takes what is left. Each part keeps the
      frames in file order, so a split is the same on every machine for the same seed and file.
--ext sets the extension of the written files (default .extxyz; bench/dft uses .xyz). Prints the count of each part.
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


def parts(src, count, specs, seed):
    """(name, frame indices) of each spec: contiguous blocks without a seed, seeded random picks with one."""
    if seed is None:
        for spec in specs:
            name, start, stop = spec.split(":")
            yield name, range(int(start), min(int(stop), count))
        return
    order = list(range(count))
    random.Random(seed).shuffle(order)
    start = 0
    for spec in specs:
        name, size = spec.split(":")
        stop = count if size == "rest" else start + int(size)
        if stop > count:
            sys.exit(f"{src}: {count} frames, the split asks for {stop}")
        yield name, sorted(order[start:stop])
        start = stop


def main():
    args, seed, ext = sys.argv[1:], None, ".extxyz"
    while args and args[0] in ("--seed", "--ext"):
        if len(args) < 2:
            sys.exit(__doc__)
        if args[0] == "--seed":
            seed = int(args[1])
        else:
            ext = args[1]
        args = args[2:]
    if len(args) < 3:
        sys.exit(__doc__)
    src, out, specs = args[0], args[1], args[2:]
    os.makedirs(out, exist_ok=True)
    all_frames = list(frames(src))
    for name, picked in parts(src, len(all_frames), specs, seed):
        with open(os.path.join(out, name + ext), "w") as f:
            f.writelines(all_frames[i] for i in picked)
        print(f"{name}: {len(picked)} frames of {os.path.basename(src)}")


if __name__ == "__main__":
    main()
