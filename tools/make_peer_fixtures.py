#!/usr/bin/python3
"""Small peer-model fixtures for CatPot's model-file and parity tests.

Writes into OUT (default tests/CatPot.Tests/Fixtures/peer):
  frames.extxyz           8 frames copied verbatim from the xtb4 validation set (every domain,
                          charges -2..3) and 2 open-shell frames (spin 4, 6) from the test set
  hlgauss_small.safetensors, mae_small.safetensors
                          random-init peer models (F=16, L=2, n_rbf=8, K=16), seed 0 / 1,
                          statistics (element refs, mu, sd, lo, hi, force_rms) fitted by the
                          peer's fit_stats on the xtb4 training set
  stats.json              those statistics as the peer computed them (float64)
Then parity.py is run by make_peer_fixtures.sh on frames.extxyz for each model (float32 and --double).

Usage: make_peer_fixtures.py PEER_DIR XTB4_DIR OUT
"""
import json
import os
import sys

peer, xtb4, out = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, peer)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import catpot_ref as C  # noqa: E402


def raw_frames(path):
    """The text of every frame of an extxyz file, unchanged, plus its comment line."""
    with open(path) as f:
        lines = f.readlines()
    frames, i = [], 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        n = int(lines[i])
        frames.append((lines[i + 1], "".join(lines[i:i + 2 + n])))
        i += 2 + n
    return frames


def info(comment, key, default):
    for tok in comment.split():
        if tok.startswith(key + "="):
            return tok.split("=", 1)[1]
    return default


# choose 10 frames: the first of each domain, then every distinct (charge, spin) not yet seen
frames = raw_frames(os.path.join(xtb4, "val.extxyz"))
chosen, seen_dom, seen_qs = [], set(), set()
for k, (c, _) in enumerate(frames):
    d = info(c, "domain", "all")
    if d not in seen_dom:
        seen_dom.add(d); chosen.append(k); seen_qs.add((info(c, "charge", "0"), info(c, "spin", "1")))
for k, (c, _) in enumerate(frames):
    qs = (info(c, "charge", "0"), info(c, "spin", "1"))
    if len(chosen) < 8 and qs not in seen_qs and k not in chosen:
        seen_qs.add(qs); chosen.append(k)
# fill up with MD/displaced frames of different sizes
for k, (c, _) in enumerate(frames):
    if len(chosen) >= 8:
        break
    if k not in chosen and info(c, "sampling", "") == "displaced" and k % 97 == 0:
        chosen.append(k)
chosen.sort()
# the validation set is all closed-shell: add the first test frame of each open-shell multiplicity
test_frames = raw_frames(os.path.join(xtb4, "test.extxyz"))
chosen_test, seen_spin = [], {"1"}
for k, (c, _) in enumerate(test_frames):
    s = info(c, "spin", "1")
    if s not in seen_spin:
        seen_spin.add(s); chosen_test.append(k)
with open(os.path.join(out, "frames.extxyz"), "w") as f:
    for k in chosen:
        f.write(frames[k][1])
    for k in chosen_test:
        f.write(test_frames[k][1])

train = C.read_extxyz(os.path.join(xtb4, "train.extxyz"))
base = C.fit_stats(train, C.CatPotConfig(), {"name": "xtb4 train.extxyz"})
stats = {"val_frame_indices": chosen, "test_frame_indices": chosen_test, "element_refs": {str(z): e for z, e in sorted(base.element_refs.items())},
         "mu": base.mu, "sd": base.sd, "lo": base.lo, "hi": base.hi, "force_rms": base.force_rms}
with open(os.path.join(out, "stats.json"), "w") as f:
    json.dump(stats, f, indent=1, sort_keys=True)

for name, head, seed in (("hlgauss_small", "hlgauss", 0), ("mae_small", "mae", 1)):
    cfg = C.CatPotConfig(head=head, F=16, L=2, n_rbf=8, K=16)
    for k in ("element_refs", "mu", "sd", "lo", "hi", "force_rms", "training_set"):
        setattr(cfg, k, getattr(base, k))
    torch.manual_seed(seed)
    model = C.CatPot(cfg)
    C.save_model(model, os.path.join(out, name + ".safetensors"))
print("val frames", chosen, "test frames", chosen_test)
