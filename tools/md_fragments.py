"""Reads extxyz frames written by `catpot md` and counts molecular fragments (used by bench/run-md-guard.sh).

Two atoms are bonded when closer than 1.5 x the sum of their covalent radii (H, C, N, O), so hot vibrations do not
count as breaking; a fragment is a connected component of that bond graph.
"""
import math
import re

RADII = {"H": 0.31, "C": 0.76, "N": 0.71, "O": 0.66}


def frames(path):
    """Yields (info line, [(symbol, x, y, z), ...]) for every frame of an extxyz file."""
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        n = int(lines[i])
        atoms = [(p[0], float(p[1]), float(p[2]), float(p[3])) for p in (l.split() for l in lines[i + 2:i + 2 + n])]
        yield lines[i + 1], atoms
        i += n + 2


def fragments(atoms):
    """Number of connected components of the bond graph."""
    n = len(atoms)
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a in range(n):
        for b in range(a + 1, n):
            if math.dist(atoms[a][1:], atoms[b][1:]) < 1.5 * (RADII[atoms[a][0]] + RADII[atoms[b][0]]):
                parent[find(a)] = find(b)
    return len({find(a) for a in range(n)})


def key(info, name):
    """A numeric key=value from an extxyz info line (NaN when absent)."""
    m = re.search(name + r"=([-0-9.eE+]+)", info)
    return float(m.group(1)) if m else float("nan")
