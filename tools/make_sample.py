#!/usr/bin/env python3
"""Builds CatPot's built-in sample dataset (src/CatPot/Data/Sample/*.extxyz.gz) from xtb4.

Frames are copied byte-for-byte (whole frame text blocks, no re-formatting) from the xtb4 files.
Selection, all seeded with random.Random(SEED):
  * validation: whole parents of xtb4 val.extxyz, test: whole parents of xtb4 test.extxyz
    (so no parent is shared with the training sample). Per domain, parents are shuffled (sorted ids,
    then rng.shuffle) and taken whole while each brings the domain's frame count closer to its quota
    (target / 4 frames).
  * train: whole parents of xtb4 train.extxyz. First, for every element that occurs in the
    validation or test sample, one (random) train parent containing it is taken if no chosen parent
    has it yet, so every element seen at evaluation is seen in training. Then each domain is filled
    with random whole parents by the same closest-to-quota rule.
Output is gzip with mtime 0, so reruns give identical bytes.

Usage: python3 tools/make_sample.py [xtb4_dir] [out_dir]
"""
import gzip
import hashlib
import io
import json
import os
import random
import re
import sys

SEED = 20240601
TRAIN_FRAMES = 2000
EVAL_FRAMES = 300
DOMAINS = ["biomolecules", "electrolytes", "metal_complexes", "neutral_organics"]


def read_frames(path):
    """Returns a list of (header dict, element set, text) for every frame of an extxyz file."""
    frames = []
    with open(path, "r", encoding="ascii") as f:
        lines = f.readlines()
    k = 0
    while k < len(lines):
        if not lines[k].strip():
            k += 1
            continue
        n = int(lines[k])
        block = lines[k:k + 2 + n]
        header = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', block[1]))
        elements = {ln.split()[0] for ln in block[2:]}
        frames.append((header, elements, "".join(block)))
        k += 2 + n
    return frames


def by_parent(frames):
    parents = {}
    for fr in frames:
        parents.setdefault(fr[0]["parent"], []).append(fr)
    return parents


def pick_whole_parents(parents, quota_per_domain, rng, preselected=()):
    chosen = list(preselected)
    for dom in DOMAINS:
        have = sum(len(parents[p]) for p in chosen if parents[p][0][0]["domain"] == dom)
        ids = sorted(p for p in parents if parents[p][0][0]["domain"] == dom and p not in chosen)
        rng.shuffle(ids)
        for p in ids:
            # Whole parents only: take the next one while it brings the domain closer to its quota.
            if abs(have + len(parents[p]) - quota_per_domain) >= abs(have - quota_per_domain):
                break
            chosen.append(p)
            have += len(parents[p])
    return chosen


def write_gz(path, frames):
    text = "".join(fr[2] for fr in frames).encode("ascii")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text)
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return len(text), len(buf.getvalue())


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/xtb4"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "src", "CatPot", "Data", "Sample")
    rng = random.Random(SEED)
    summary = {"seed": SEED, "source": {}, "splits": {}}
    eval_elements = set()
    chosen_frames = {}
    for split, fname in (("validation", "val.extxyz"), ("test", "test.extxyz")):
        parents = by_parent(read_frames(os.path.join(src, fname)))
        chosen = pick_whole_parents(parents, EVAL_FRAMES // 4, rng)
        frames = [fr for p in sorted(chosen) for fr in parents[p]]
        for fr in frames:
            eval_elements |= fr[1]
        chosen_frames[split] = (fname, sorted(chosen), frames)

    parents = by_parent(read_frames(os.path.join(src, "train.extxyz")))
    pre = []
    for el in sorted(eval_elements):
        if any(el in fr[1] for p in pre for fr in parents[p]):
            continue
        holders = sorted(p for p in parents if any(el in fr[1] for fr in parents[p]))
        if holders:
            pre.append(rng.choice(holders))
    chosen = pick_whole_parents(parents, TRAIN_FRAMES // 4, rng, pre)
    frames = [fr for p in sorted(chosen) for fr in parents[p]]
    chosen_frames["train"] = ("train.extxyz", sorted(chosen), frames)

    for split, (fname, chosen, frames) in chosen_frames.items():
        path = os.path.join(out, f"sample-{split}.extxyz.gz")
        raw, packed = write_gz(path, frames)
        per_domain = {d: sum(1 for fr in frames if fr[0]["domain"] == d) for d in DOMAINS}
        elements = sorted({e for fr in frames for e in fr[1]})
        summary["splits"][split] = {
            "file": os.path.basename(path), "from": fname, "frames": len(frames),
            "atoms": sum(int(fr[2].split("\n", 1)[0]) for fr in frames),
            "parents": chosen, "per_domain": per_domain, "elements": elements,
            "bytes_uncompressed": raw, "bytes_gz": packed, "md5_gz": md5(path),
        }
    for fname in ("train.extxyz", "val.extxyz", "test.extxyz"):
        summary["source"][fname] = md5(os.path.join(src, fname))
    missing = sorted(eval_elements - set(summary["splits"]["train"]["elements"]))
    summary["eval_elements_missing_from_train"] = missing
    with open(os.path.join(out, "selection.json"), "w", encoding="ascii") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    for split, s in summary["splits"].items():
        print(split, s["frames"], "frames", len(s["parents"]), "parents", s["per_domain"], s["bytes_gz"], "bytes gz")
    print("eval elements missing from train:", missing)


if __name__ == "__main__":
    main()
