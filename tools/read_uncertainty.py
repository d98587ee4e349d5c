#!/usr/bin/env python3
"""Reads the post-hoc uncertainty stored in a CatPot model file without CatPot: with the `safetensors` package when it
is installed, else by parsing the format directly (8-byte little-endian header length, JSON header, raw buffer).
Prints the stored description and, for one element, recomputes an atom's novelty from the stored Gaussian.

    python3 tools/read_uncertainty.py MODEL.safetensors
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F64": np.float64, "F32": np.float32, "I64": np.int64}


def load(path):
    try:
        from safetensors.numpy import load_file, safe_open  # noqa: F401
        with safe_open(path, "np") as f:
            meta = f.metadata()
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        return tensors, meta
    except ImportError:
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
            buf = f.read()
        meta = header.pop("__metadata__", {})
        tensors = {}
        for name, info in header.items():
            a, b = info["data_offsets"]
            tensors[name] = np.frombuffer(buf[a:b], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        return tensors, meta


def main(path):
    tensors, meta = load(path)
    desc = json.loads(meta["catpot_uncertainty"])
    print("format:", desc["format"], "| elements:", desc["elements"], "| fused inputs:", desc["energy_features"])
    print("energy_std factor:", desc["energy_std_factor"], "| provenance:", desc["provenance"])
    unc = {k: v for k, v in tensors.items() if k.startswith("uncertainty.")}
    print(len(unc), "uncertainty tensors, e.g.", sorted(unc)[:4])
    z = desc["elements"][0]
    mean = unc[f"uncertainty.density.z{z}.means"][0]
    cov = unc[f"uncertainty.density.z{z}.covariances"][0]
    # novelty of the mean shifted by one standard deviation along the first feature: (1/σ₁)² · (Σ⁻¹)₁₁ σ₁² / d
    x = mean.copy()
    x[0] += np.sqrt(cov[0, 0])
    d = x - mean
    print(f"Z={z}: novelty of mean + 1 sd along feature 0 = {d @ np.linalg.solve(cov, d) / len(d):.6f}")


if __name__ == "__main__":
    main(sys.argv[1])
