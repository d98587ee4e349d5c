"""The rows CSVs of tools/uncertainty_study.cs (--rows) as arrays, and the pieces of CatPot's uncertainty fit and
metrics that tools/uncertainty_rows_cv.py and tools/uncertainty_candidates.py both re-implement in numpy: the
non-negative ridge of LogErrorModel, the parent folds of UncertaintyCalibrator, the conformal quantile and the AUROC
of RankStatistics. Needs numpy and scipy (/usr/bin/python3 on Debian)."""
import csv

import numpy as np
from scipy.stats import rankdata

LEVELS = np.arange(1, 10) / 10
ALL9 = "la,nmax,ntop,nmean,rar,lrig,H,lhs,tail"  # the C# default inputs (SignalFeatures.FusedNames)


def load(path):
    rows = list(csv.DictReader(open(path)))
    out = {}
    for split in ("calib", "test"):  # "train" rows (in-sample errors, --rows of the study tool) are not used
        r = [x for x in rows if x["split"] == split]
        g = lambda k: np.array([float(x[k]) for x in r])
        n, q = g("atoms"), np.abs(g("charge"))
        out[split] = dict(F={"la": np.log(n), "nmax": np.log(g("novelty_max")), "ntop": np.log(g("novelty_top")),
                             "nmean": np.log(g("novelty_mean")), "rar": g("rarity_max"), "lrig": np.log(g("rigidity")),
                             "H": g("entropy"), "lhs": np.log(g("hist_std")), "tail": g("tail_mass"),
                             "ltail": np.log(g("tail_mass")), "lq": np.log1p(q), "Hs": g("entropy") * np.sqrt(n)},
                          n=n, err=g("abs_err"), dom=np.array([x["domain"] for x in r]),
                          par=np.array([x["parent"] for x in r]), mi=g("metal_or_ion").astype(int),
                          qs=np.sign(g("charge")).astype(int) + 1)
    return out


def auroc(score, err, frac=0.1):  # worst 10 % flagged, as CatPot's RankStatistics (ties: average ranks)
    n = len(err)
    pos = np.zeros(n, bool)
    pos[np.argsort(-err, kind="stable")[:max(1, int(np.ceil(frac * n)))]] = True
    r = rankdata(score)
    npos, nneg = pos.sum(), n - pos.sum()
    return (r[pos].sum() - npos * (npos + 1) / 2) / (npos * nneg) if npos and nneg else np.nan


def quantile(sr, p):
    return sr[min(max(int(np.ceil((len(sr) + 1) * p)), 1), len(sr)) - 1]


def nonneg_ridge(z, r, ridge=1e-2, lower=None, sweeps=2000):
    w = np.zeros(z.shape[1]) if lower is None else lower.copy()
    lo = np.zeros(z.shape[1]) if lower is None else lower
    r = r - z @ w
    cs = (z * z).mean(0)
    for _ in range(sweeps):
        ch = 0
        for j in range(len(w)):
            if cs[j] < 1e-20:
                continue
            new = max(lo[j], (cs[j] * w[j] + (z[:, j] * r).mean()) / (cs[j] + ridge))
            if new != w[j]:
                r -= (new - w[j]) * z[:, j]
                ch, w[j] = max(ch, abs(new - w[j])), new
        if ch < 1e-10:
            break
    return w


def folds(par, k=5):  # distinct parents in order of first appearance, dealt round-robin (as UncertaintyCalibrator)
    idx = {}
    for p in par:
        idx.setdefault(p, len(idx))
    return np.array([idx[p] % k for p in par])
