#!/usr/bin/env python3
"""Calibration-only diagnostics of the fused uncertainty, from the rows CSV of tools/uncertainty_study.cs (--rows).

Re-fits the fused log-error model (non-negative ridge on standardised inputs, target ln(|dE| + 1 meV), as
CatPot.Uncertainty.LogErrorModel) and the normalised conformal ratios, and reports for one or more input sets:
  * parent-grouped cross-validation on the CALIBRATION rows only: pooled out-of-fold miscalibration area of the
    conformal intervals (each fold's intervals use the other folds' ratios) and Spearman overall / per domain;
  * the same fit applied to the TEST rows (reported, never used to choose anything).
  * per-fold CV: each held-out fold (about 5 parents) scored on its own and the scores averaged — what one new set
    of parents sees; pooling the folds hides the shift between parent sets (pooled area 0.005 vs per fold 0.07–0.11
    on xtb4 val);
  * --within: the weights fitted on the variation inside parents (the C# default since session 6,
    CalibrationOptions.FusedWithinParents); without it, the pooled fit on all rows (as before session 6);
  * --mondrian mi: conformal ratios per "metal or ion" group (Mondrian split-conformal) instead of pooled.
Usage: uncertainty_rows_cv.py ROWS.csv [ROWS.csv ...] [--features a,b,c ...] [--within] [--mondrian mi]
Needs numpy and scipy (/usr/bin/python3 on Debian: python3-numpy, python3-scipy).
"""
import sys
import numpy as np
from scipy.stats import spearmanr

from uncertainty_rows import ALL9 as DEFAULT, LEVELS, auroc, folds, load, nonneg_ridge, quantile


def fit(x, y, ridge=1e-2, sweeps=2000, groups=None):
    """As LogErrorModel.Fit: with groups, weights from within-group deviations, then one common factor c >= 0."""
    m, s = x.mean(0), x.std(0)
    s[s < 1e-12] = 1
    z = (x - m) / s
    ym = y.mean()
    w = None
    if groups is not None:
        zc, yc = np.zeros_like(z), np.zeros_like(y)
        for g in set(groups):
            k = groups == g
            if k.sum() >= 2:
                zc[k], yc[k] = z[k] - z[k].mean(0), y[k] - y[k].mean()
        wg = nonneg_ridge(zc, yc, ridge, sweeps=sweeps)
        sc = z @ wg
        if (sc * sc).sum() > 0 and (sc * (y - ym)).sum() > 0:
            w = wg * (sc * (y - ym)).sum() / (sc * sc).sum()
    if w is None:
        w = nonneg_ridge(z, y - ym, ridge, sweeps=sweeps)
    return lambda x2: ym + ((x2 - m) / s) @ w


def study(path, names, within=False, mondrian=None):
    d = load(path)
    c, t = d["calib"], d["test"]
    xc = np.column_stack([c["F"][k] for k in names])
    xt = np.column_stack([t["F"][k] for k in names])
    y = np.log(c["err"] + 1e-3)
    fo = folds(c["par"])
    gr = (lambda m: m) if within else (lambda m: None)
    oof = np.zeros(len(y))
    for f in range(fo.max() + 1):
        oof[fo == f] = fit(xc[fo != f], y[fo != f], groups=gr(c["par"][fo != f]))(xc[fo == f])
    uc = np.exp(oof)
    mc = c["mi"] if mondrian == "mi" else np.zeros(len(y), int)
    mt = t["mi"] if mondrian == "mi" else np.zeros(len(t["err"]), int)
    inside = np.zeros(len(LEVELS))
    fold_miscal, fold_sp, fold_au = [], [], []
    for f in range(fo.max() + 1):
        ins = np.zeros(len(LEVELS))
        for g in set(mc[fo == f]):
            tr, te = (fo != f) & (mc == g), (fo == f) & (mc == g)
            r = np.sort(c["err"][tr] / uc[tr])
            ins += [(c["err"][te] <= quantile(r, p) * uc[te]).sum() for p in LEVELS]
        inside += ins
        fold_miscal.append(np.abs(ins / (fo == f).sum() - LEVELS).mean())
        fold_sp.append(spearmanr(uc[fo == f], c["err"][fo == f])[0])
        fold_au.append(auroc(uc[fo == f], c["err"][fo == f]))
    res = {"cv_miscal": np.abs(inside / len(y) - LEVELS).mean(), "cv_spearman": spearmanr(uc, c["err"])[0],
           "cv_auroc": auroc(uc, c["err"]), "cv_per_fold_miscal": np.mean(fold_miscal),
           "cv_per_fold_spearman": np.mean(fold_sp), "cv_per_fold_auroc": np.mean(fold_au)}
    ut = np.exp(fit(xc, y, groups=gr(c["par"]))(xt))
    ins = np.zeros(len(LEVELS))
    for g in set(mt):
        ratios = np.sort(c["err"][mc == g] / uc[mc == g])
        ins += [(t["err"][mt == g] <= quantile(ratios, p) * ut[mt == g]).sum() for p in LEVELS]
    res["test_miscal"] = np.abs(ins / len(t["err"]) - LEVELS).mean()
    res["test_spearman"] = spearmanr(ut, t["err"])[0]
    res["test_auroc"] = auroc(ut, t["err"])
    for dom in sorted(set(c["dom"])):
        res["cv_" + dom] = spearmanr(uc[c["dom"] == dom], c["err"][c["dom"] == dom])[0]
        res["test_" + dom] = spearmanr(ut[t["dom"] == dom], t["err"][t["dom"] == dom])[0]
    return res


def main(argv):
    paths = [a for a in argv if a.endswith(".csv")]
    sets = [argv[i + 1] for i, a in enumerate(argv) if a == "--features"] or [DEFAULT]
    within = "--within" in argv
    mondrian = next((argv[i + 1] for i, a in enumerate(argv) if a == "--mondrian"), None)
    for names in sets:
        runs = [study(p, names.split(","), within, mondrian) for p in paths]
        print(f"inputs {names}, {'within-parent' if within else 'pooled'} fit, conformal {mondrian or 'pooled'} "
              f"({len(runs)} files, mean ± std)")
        for key in runs[0]:
            v = np.array([r[key] for r in runs])
            print(f"  {key:28s} {v.mean():7.3f} ± {v.std():.3f}   " + " ".join(f"{x:.3f}" for x in v))


if __name__ == "__main__":
    main(sys.argv[1:])
