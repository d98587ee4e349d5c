#!/usr/bin/env python3
"""Calibration-only diagnostics of the fused uncertainty, from the rows CSV of tools/uncertainty_study.cs (--rows).

Re-fits the fused log-error model (non-negative ridge on standardised inputs, target ln(|dE| + 1 meV), as
CatPot.Uncertainty.LogErrorModel) and the normalised conformal ratios, and reports for one or more input sets:
  * parent-grouped cross-validation on the CALIBRATION rows only: pooled out-of-fold miscalibration area of the
    conformal intervals (each fold's intervals use the other folds' ratios) and Spearman overall / per domain;
  * the same fit applied to the TEST rows (reported, never used to choose anything).
Usage: uncertainty_rows_cv.py ROWS.csv [ROWS.csv ...] [--features a,b,c ...]
Needs numpy and scipy (/usr/bin/python3 on Debian: python3-numpy, python3-scipy).
"""
import csv
import sys
import numpy as np
from scipy.stats import spearmanr

LEVELS = np.arange(1, 10) / 10
DEFAULT = "la,nmax,ntop,nmean,rar,lrig,H,lhs,tail"  # the C# default inputs (SignalFeatures.FusedNames)


def load(path):
    rows = list(csv.DictReader(open(path)))
    out = {}
    for split in ("calib", "test"):
        r = [x for x in rows if x["split"] == split]
        g = lambda k: np.array([float(x[k]) for x in r])
        n = g("atoms")
        out[split] = dict(
            F={"la": np.log(n), "nmax": np.log(g("novelty_max")), "ntop": np.log(g("novelty_top")),
               "nmean": np.log(g("novelty_mean")), "rar": g("rarity_max"), "lrig": np.log(g("rigidity")),
               "H": g("entropy"), "lhs": np.log(g("hist_std")), "tail": g("tail_mass"),
               "lq": np.log1p(np.abs(g("charge")))},
            err=g("abs_err"), dom=np.array([x["domain"] for x in r]), par=np.array([x["parent"] for x in r]))
    return out


def fit(x, y, ridge=1e-2, sweeps=2000):
    m, s = x.mean(0), x.std(0)
    s[s < 1e-12] = 1
    z = (x - m) / s
    ym = y.mean()
    r = y - ym
    w = np.zeros(x.shape[1])
    cs = (z * z).mean(0)
    for _ in range(sweeps):
        change = 0
        for j in range(len(w)):
            new = max(0.0, (cs[j] * w[j] + (z[:, j] * r).mean()) / (cs[j] + ridge))
            if new != w[j]:
                r -= (new - w[j]) * z[:, j]
                change = max(change, abs(new - w[j]))
                w[j] = new
        if change < 1e-10:
            break
    return lambda x2: ym + ((x2 - m) / s) @ w


def folds(par, k=5):  # distinct parents in order of first appearance, dealt round-robin (as UncertaintyCalibrator)
    idx = {}
    for p in par:
        idx.setdefault(p, len(idx))
    return np.array([idx[p] % k for p in par])


def quantile(sorted_ratios, p):
    n = len(sorted_ratios)
    return sorted_ratios[min(max(int(np.ceil((n + 1) * p)), 1), n) - 1]


def study(path, names):
    d = load(path)
    c, t = d["calib"], d["test"]
    xc = np.column_stack([c["F"][k] for k in names])
    xt = np.column_stack([t["F"][k] for k in names])
    y = np.log(c["err"] + 1e-3)
    fo = folds(c["par"])
    oof = np.zeros(len(y))
    for f in range(fo.max() + 1):
        oof[fo == f] = fit(xc[fo != f], y[fo != f])(xc[fo == f])
    uc = np.exp(oof)
    inside = np.zeros(len(LEVELS))
    for f in range(fo.max() + 1):
        r = np.sort(c["err"][fo != f] / uc[fo != f])
        inside += [(c["err"][fo == f] <= quantile(r, p) * uc[fo == f]).sum() for p in LEVELS]
    res = {"cv_miscal": np.abs(inside / len(y) - LEVELS).mean(), "cv_spearman": spearmanr(uc, c["err"])[0]}
    ut = np.exp(fit(xc, y)(xt))
    ratios = np.sort(c["err"] / uc)
    res["test_miscal"] = np.abs(np.array([(t["err"] <= quantile(ratios, p) * ut).mean() for p in LEVELS]) - LEVELS).mean()
    res["test_spearman"] = spearmanr(ut, t["err"])[0]
    for dom in sorted(set(c["dom"])):
        res["cv_" + dom] = spearmanr(uc[c["dom"] == dom], c["err"][c["dom"] == dom])[0]
        res["test_" + dom] = spearmanr(ut[t["dom"] == dom], t["err"][t["dom"] == dom])[0]
    return res


def main(argv):
    paths = [a for a in argv if a.endswith(".csv")]
    sets = [argv[i + 1] for i, a in enumerate(argv) if a == "--features"] or [DEFAULT]
    for names in sets:
        runs = [study(p, names.split(",")) for p in paths]
        print(f"inputs {names} ({len(runs)} files, mean ± std)")
        for key in runs[0]:
            v = np.array([r[key] for r in runs])
            print(f"  {key:28s} {v.mean():7.3f} ± {v.std():.3f}   " + " ".join(f"{x:.3f}" for x in v))


if __name__ == "__main__":
    main(sys.argv[1:])
