#!/usr/bin/python3
"""Reference values for CatPot's erf, HL-Gauss and evaluation-metric tests.

Usage: make_modelio_fixtures.py PEER_DIR OUT_DIR
Writes
  erf_values.json        x, erf(x), erfc(x) from Python's math module (C library, ~1 ulp)
  hlgauss_targets.json   the PyTorch peer's hl_gauss_target (float64) for a few (K, sigma_ratio, y)
  metrics_cases.json     random predictions with ties + metrics computed here with numpy only,
                         by formulas deliberately different from CatPot's (pairwise ranks / AUROC,
                         np.corrcoef, np.interp for the CDF)
"""
import json
import math
import os
import sys

import numpy as np

peer, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, peer)

# ---- erf / erfc --------------------------------------------------------------
xs = sorted(set([0.0, 1e-300, 1e-20, 1e-10, 1e-5, 0.1, 0.3, 0.46875, 0.46876, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5,
                 3.0, 3.9999, 4.0, 4.0001, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 26.0, 26.5, 27.0, 30.0]
                + [float(v) for v in np.random.default_rng(3).uniform(-6, 6, 40)]))
xs = sorted(set(xs + [-x for x in xs]))
json.dump({"source": "python3 math.erf / math.erfc", "values": [[x, math.erf(x), math.erfc(x)] for x in xs]},
          open(os.path.join(out, "erf_values.json"), "w"), indent=0)

# ---- HL-Gauss targets from the peer --------------------------------------------
import torch  # noqa: E402
import catpot_ref as C  # noqa: E402
cases = []
for K, lo, hi, sr, ys in ((16, -6.790386756579795, 8.100517543355474, 0.75, [-6.0, -1.234, 0.0, 3.3, 8.0, 8.100517543355474, -50.0, 1e6]),
                          (128, -2.5, 3.0, 0.75, [-2.5, -2.4, 0.123456, 2.95, 3.0, -1e6, 4.0]),
                          (64, -1.0, 1.0, 2.0, [-1.0, -0.5, 0.0, 0.77, 1.0, 1.5]),
                          (8, 0.0, 1.0, 0.1, [0.0, 0.06, 0.5, 0.93, 1.0, -3.0])):
    w = (hi - lo) / K
    edges = lo + w * torch.arange(K + 1, dtype=torch.float64)
    q = C.hl_gauss_target(torch.tensor(ys, dtype=torch.float64), edges, sr * w)
    for y, row in zip(ys, q.tolist()):
        cases.append({"K": K, "lo": lo, "hi": hi, "sigma_ratio": sr, "y": y, "q": row})
json.dump({"source": "catpot_ref.hl_gauss_target, float64", "cases": cases},
          open(os.path.join(out, "hlgauss_targets.json"), "w"))


# ---- evaluation metrics ----------------------------------------------------------
def avg_ranks(x):
    x = np.asarray(x, float)
    less = (x[None, :] < x[:, None]).sum(1)
    eq = (x[None, :] == x[:, None]).sum(1)
    return less + (eq + 1) / 2.0


def pearson(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def auroc_pairs(score, label):
    s = np.asarray(score, float); lab = np.asarray(label, bool)
    sp, sn = s[lab], s[~lab]
    if len(sp) == 0 or len(sn) == 0:
        return None
    gt = (sp[:, None] > sn[None, :]).sum(); eq = (sp[:, None] == sn[None, :]).sum()
    return float((gt + 0.5 * eq) / (len(sp) * len(sn)))


def flags_top(err, frac=0.1):
    n = len(err); k = max(1, int(round(frac * n)))
    order = sorted(range(n), key=lambda i: (-err[i], i))
    f = np.zeros(n, bool); f[order[:k]] = True
    return f


def group(structs):
    E = np.array([s["true_energy"] for s in structs]); Ep = np.array([s["predicted_energy"] for s in structs])
    N = np.array([s["atom_count"] for s in structs], float)
    d = Ep - E; err = np.abs(d)
    m = {"n": len(structs), "atoms": int(N.sum()), "energy_mae": err.mean(), "energy_rmse": math.sqrt((d ** 2).mean()),
         "energy_mae_per_atom": (err / N).mean(), "energy_rmse_per_atom": math.sqrt(((d / N) ** 2).mean())}
    Ft = np.concatenate([np.reshape(s["true_forces"], (-1, 3)) for s in structs])
    Fp = np.concatenate([np.reshape(s["predicted_forces"], (-1, 3)) for s in structs])
    m["force_mae"] = np.abs(Fp - Ft).mean(); m["force_rmse"] = math.sqrt(((Fp - Ft) ** 2).mean())
    nt, npd = np.linalg.norm(Ft, axis=1), np.linalg.norm(Fp, axis=1)
    ok = (nt > 0) & (npd > 0)
    m["force_cosine"] = float(((Ft * Fp).sum(1)[ok] / (nt[ok] * npd[ok])).mean())
    H = np.array([s["entropy"] for s in structs]); S = np.array([s["std_e"] for s in structs])
    fl = flags_top(list(err))
    m["pearson_entropy"] = pearson(H, err); m["spearman_entropy"] = pearson(avg_ranks(H), avg_ranks(err))
    m["pearson_std_e"] = pearson(S, err); m["spearman_std_e"] = pearson(avg_ranks(S), avg_ranks(err))
    m["auroc_entropy"] = auroc_pairs(H, fl); m["auroc_std_e"] = auroc_pairs(S, fl)
    nll, pit = [], []
    for s in structs:
        p = np.array(s["probabilities"]); e = np.array(s["edges"]); y = s["true_value"]
        cdf = np.concatenate([[0.0], np.cumsum(p)])
        pit.append(float(np.interp(y, e, cdf, left=0.0, right=1.0)))
        if y < e[0] or y > e[-1]:
            k = 0 if y < e[0] else len(p) - 1; pk = 1e-12
        else:
            k = min(int(np.searchsorted(e, y, side="right")) - 1, len(p) - 1); pk = max(p[k], 1e-12)
        nll.append(-math.log(pk / (e[k + 1] - e[k])))
    m["mean_nll"] = float(np.mean(nll))
    m["mean_nll_energy"] = float(np.mean(np.array(nll) + np.log([s["energy_per_unit"] for s in structs])))
    levels = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    pit = np.array(pit)
    obs = [float(((pit >= (1 - p) / 2) & (pit <= (1 + p) / 2)).mean()) for p in levels]
    m["calibration_observed"] = obs
    m["miscalibration_area"] = float(np.mean(np.abs(np.array(obs) - np.array(levels))))
    return {k: (float(v) if isinstance(v, (np.floating, float)) else v) for k, v in m.items()}


rng = np.random.default_rng(7)
structs = []
K = 12
for i in range(57):
    n = int(rng.integers(1, 6))
    dom = ["alpha", "beta", "gamma"][i % 3]
    Et = float(rng.normal(-100, 10))
    dE = float(np.round(rng.normal(0, 2), 1))             # rounded -> tied |dE|
    Ft = np.round(rng.normal(0, 1, (n, 3)), 2)
    Fp = Ft + np.round(rng.normal(0, 0.3, (n, 3)), 2)
    if i % 7 == 0:
        Ft[0] = 0.0                                          # zero true force vector: skipped by the cosine
    logits = rng.normal(0, 1.5, K)
    p = np.exp(logits); p /= p.sum()
    if i % 5 == 0:
        p[3] = 0.0; p /= p.sum()                             # an empty bin
    edges = np.linspace(-1.0, 2.0, K + 1)
    y = float(rng.uniform(-0.9, 1.9))
    if i % 11 == 0:
        y = float(edges[int(rng.integers(0, K + 1))])        # exactly on an edge
    if i == 13:
        y = 2.5                                              # outside the support
    if i % 13 == 4:
        y = float(0.5 * (edges[3] + edges[4]))               # inside the empty bin (when it is empty)
    H = float(np.round(rng.uniform(0.5, 2.0), 1))            # rounded -> ties
    S = float(np.round(rng.uniform(0.0, 1.0), 1))
    structs.append({"domain": dom, "atom_count": n, "true_energy": Et, "predicted_energy": Et + dE,
                    "true_forces": Ft.ravel().tolist(), "predicted_forces": Fp.ravel().tolist(),
                    "entropy": H, "std_e": S, "probabilities": p.tolist(), "edges": edges.tolist(),
                    "true_value": y, "energy_per_unit": float(n * 0.43)})
expected = {"overall": group(structs)}
for dom in sorted({s["domain"] for s in structs}):
    expected[dom] = group([s for s in structs if s["domain"] == dom])
json.dump({"source": "tools/make_modelio_fixtures.py (numpy only)", "structures": structs, "expected": expected},
          open(os.path.join(out, "metrics_cases.json"), "w"))
print("ok", len(xs), "erf values,", len(cases), "targets,", len(structs), "structures")
