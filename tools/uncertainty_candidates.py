#!/usr/bin/env python3
"""Every fused-score candidate tried for issue 12 in session 6, on the rows CSVs of tools/uncertainty_study.cs (--rows).

For each candidate: parent-grouped 5-fold CV on the CALIBRATION rows (pooled out-of-fold Spearman / AUROC worst 10 % /
per-domain Spearman / miscalibration area, and the same averaged per held-out fold), then the fit on all calibration
rows applied to the TEST rows (reported, never used to choose). Means over the files given (one per seed).
Usage: uncertainty_candidates.py ROWS-0.csv ROWS-1.csv ROWS-2.csv
Needs numpy and scipy (/usr/bin/python3 on Debian).
"""
import sys
import numpy as np
from scipy.stats import spearmanr

from uncertainty_rows import ALL9, LEVELS, auroc, folds, load, nonneg_ridge, quantile


class Candidate:
    """ln(|dE|/N^a + floor) = b + w.z on standardised inputs, w >= 0; u = N^a exp(.).
    form: 'pooled' (LogErrorModel before session 6), 'within' (weights from within-parent deviations, then one common
    factor; the C# default since session 6), 'equal' (equal weights on the standardised inputs, one slope fitted).
    keep: the entropy's weight may not fall below keep x its single-input fit."""

    def __init__(self, names, form="pooled", size_power=0.0, ridge=1e-2, keep=0.0):
        self.names, self.form, self.a, self.ridge, self.keep = names.split(","), form, size_power, ridge, keep

    def fit(self, d, rows):
        x = np.column_stack([d["F"][k][rows] for k in self.names])
        self.m, self.s = x.mean(0), x.std(0)
        self.s[self.s < 1e-12] = 1
        z = (x - self.m) / self.s
        y = np.log(d["err"][rows] / d["n"][rows] ** self.a + (1e-3 if self.a == 0 else 1e-5))
        self.ym = y.mean()
        if self.form == "equal":
            sc = z.mean(1)
            self.w = np.full(len(self.names), max(0.0, np.cov(sc, y)[0, 1] / sc.var()) / len(self.names))
            return self
        if self.form == "within":
            par = d["par"][rows]
            zc, yc = z.copy(), y.copy()
            for p in set(par):
                k = par == p
                zc[k] -= z[k].mean(0)
                yc[k] -= y[k].mean()
        else:
            zc, yc = z, y - self.ym
        lower = None
        if self.keep > 0:
            j = self.names.index("H")
            lower = np.zeros(len(self.names))
            lower[j] = self.keep * nonneg_ridge(zc[:, [j]], yc, self.ridge)[0]
        w = nonneg_ridge(zc, yc, self.ridge, lower)
        if self.form == "within":
            sc = z @ w
            c = (sc * (y - self.ym)).sum() / (sc * sc).sum() if (sc * sc).sum() > 0 else 0
            w = w * max(c, 0)
        self.w = w
        return self

    def __call__(self, d, rows):
        x = np.column_stack([d["F"][k][rows] for k in self.names])
        return np.exp(self.ym + ((x - self.m) / self.s) @ self.w) * d["n"][rows] ** self.a


def coverage(err, u, ratios_by_group, groups):
    ins = np.zeros(len(LEVELS))
    for g in set(groups):
        r = ratios_by_group(g)
        k = groups == g
        ins += [(err[k] <= quantile(r, p) * u[k]).sum() for p in LEVELS]
    return np.abs(ins / len(err) - LEVELS).mean()


def evaluate(path, make, mondrian=None):
    d = load(path)
    c, t = d["calib"], d["test"]
    fo = folds(c["par"])
    K = fo.max() + 1
    uc = np.zeros(len(c["err"]))
    for f in range(K):
        uc[fo == f] = make().fit(c, fo != f)(c, fo == f)
    gc = c[mondrian] if mondrian else np.zeros(len(uc), int)
    gt = t[mondrian] if mondrian else np.zeros(len(t["err"]), int)
    res = {"cv": spearmanr(uc, c["err"])[0], "cv_auroc": auroc(uc, c["err"])}
    fold_sp, fold_mis, ins = [], [], np.zeros(len(LEVELS))
    for f in range(K):
        te = fo == f
        fold_sp.append(spearmanr(uc[te], c["err"][te])[0])
        fold_mis.append(coverage(c["err"][te], uc[te], lambda g: np.sort((c["err"] / uc)[(fo != f) & (gc == g)]), gc[te]))
    res["cv_fold"] = np.mean(fold_sp)
    res["cv_fold_mis"] = np.mean(fold_mis)
    res["cv_dom"] = [spearmanr(uc[c["dom"] == g], c["err"][c["dom"] == g])[0] for g in sorted(set(c["dom"]))]
    every = np.ones(len(t["err"]), bool)
    ut = make().fit(c, np.ones(len(uc), bool))(t, every)
    res["test"] = spearmanr(ut, t["err"])[0]
    res["test_auroc"] = auroc(ut, t["err"])
    res["test_dom"] = [spearmanr(ut[t["dom"] == g], t["err"][t["dom"] == g])[0] for g in sorted(set(t["dom"]))]
    res["test_mis"] = coverage(t["err"], ut, lambda g: np.sort((c["err"] / uc)[gc == g]), gt)
    return res


CANDIDATES = [
    ("pooled fit, all 9 inputs (before session 6)", lambda: Candidate(ALL9), None),
    ("WITHIN-PARENT fit, all 9 inputs (default now)", lambda: Candidate(ALL9, "within"), None),
    ("within-parent + Mondrian conformal (metal or ion)", lambda: Candidate(ALL9, "within"), "mi"),
    ("within-parent + Mondrian conformal (charge sign)", lambda: Candidate(ALL9, "within"), "qs"),
    ("pooled + Mondrian conformal (metal or ion)", lambda: Candidate(ALL9), "mi"),
    ("within-parent, entropy keeps 1/2 its weight", lambda: Candidate(ALL9, "within", keep=0.5), None),
    ("pooled, entropy keeps its single-input weight", lambda: Candidate(ALL9, keep=1.0), None),
    ("pooled, without ln N", lambda: Candidate("nmax,ntop,nmean,rar,lrig,H,lhs,tail"), None),
    ("pooled, + ln(1 + |Q|)", lambda: Candidate(ALL9 + ",lq"), None),
    ("pooled, ridge 1", lambda: Candidate(ALL9, ridge=1.0), None),
    ("per-atom target |dE|/N (u x N), no ln N", lambda: Candidate("nmax,ntop,nmean,rar,lrig,H,lhs,tail", size_power=1), None),
    ("sqrt(N)-scaled target (u x sqrt N), no ln N", lambda: Candidate("nmax,ntop,nmean,rar,lrig,H,lhs,tail", size_power=0.5), None),
    ("entropy x sqrt(N) alone", lambda: Candidate("Hs"), None),
    ("entropy alone", lambda: Candidate("H"), None),
    ("entropy alone, per-atom target", lambda: Candidate("H", size_power=1), None),
    ("histogram only (H, ln tail, ln std)", lambda: Candidate("H,ltail,lhs"), None),
    ("equal weights, all 9 inputs", lambda: Candidate(ALL9, "equal"), None),
]


def main(paths):
    print("candidate | CV pooled Sp / AUROC | CV per fold Sp, miscal | CV per domain (bio/elec/metal/org) | "
          "TEST Sp / AUROC | TEST per domain | TEST miscal")
    for name, make, mondrian in CANDIDATES:
        R = [evaluate(p, make, mondrian) for p in paths]
        m = lambda k: np.mean([r[k] for r in R], axis=0)
        print(f"{name} | {m('cv'):.3f} / {m('cv_auroc'):.3f} | {m('cv_fold'):.3f}, {m('cv_fold_mis'):.3f} | "
              + " ".join(f"{v:+.2f}" for v in m("cv_dom"))
              + f" | {m('test'):.3f} / {m('test_auroc'):.3f} | " + " ".join(f"{v:+.2f}" for v in m("test_dom"))
              + f" | {m('test_mis'):.3f} ± {np.std([r['test_mis'] for r in R]):.3f}")


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore")
    main(sys.argv[1:])
