#!/usr/bin/env python3
"""Split an extxyz file into contiguous frame blocks (time-block splits for MD trajectories).

Usage: split_frames.py IN.extxyz OUTDIR NAME:START:STOP [NAME:START:STOP ...]
Writes OUTDIR/NAME.extxyz with frames START..STOP-1 (text copied verbatim, no re-formatting).
"""
import os
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
    src, out, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    all_frames = list(frames(src))
    for spec in specs:
        name, start, stop = spec.split(":")
        with open(os.path.join(out, name + ".extxyz"), "w") as f:
            f.writelines(all_frames[int(start):int(stop)])
        print(name, int(stop) - int(start), "frames")


if __name__ == "__main__":
    main()
