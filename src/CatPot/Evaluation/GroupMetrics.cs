namespace CatPot.Evaluation;

/// <summary>Error metrics of one group of structures (a domain, or all of them). Null means not available.</summary>
public sealed record GroupMetrics
{
    /// <summary>Central-interval probabilities used for calibration.</summary>
    public static readonly double[] CalibrationLevels = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

    /// <summary>Group name ("overall" or the domain).</summary>
    public required string Group { get; init; }

    /// <summary>Number of structures.</summary>
    public int Structures { get; init; }

    /// <summary>Number of atoms.</summary>
    public long Atoms { get; init; }

    /// <summary>Mean |ΔE| (eV, total energy).</summary>
    public double EnergyMae { get; init; }

    /// <summary>sqrt(mean ΔE²) (eV).</summary>
    public double EnergyRmse { get; init; }

    /// <summary>Mean of |ΔE|/N (eV/atom).</summary>
    public double EnergyMaePerAtom { get; init; }

    /// <summary>sqrt(mean (ΔE/N)²) (eV/atom).</summary>
    public double EnergyRmsePerAtom { get; init; }

    /// <summary>Mean |ΔF| over all 3N force components of the structures that have forces (eV/Å).</summary>
    public double? ForceMae { get; init; }

    /// <summary>sqrt(mean ΔF²) over the same components (eV/Å).</summary>
    public double? ForceRmse { get; init; }

    /// <summary>Mean over atoms of cos(F̂_i, F_i), atoms with a zero predicted or true force vector skipped.</summary>
    public double? ForceCosine { get; init; }

    /// <summary>Number of force components that entered ForceMae.</summary>
    public long ForceComponents { get; init; }

    /// <summary>Uncertainty metrics, when every structure of the group has an entropy or a histogram.</summary>
    public UncertaintyMetrics? Uncertainty { get; init; }

    /// <summary>Computes the metrics of <paramref name="items"/> under the name <paramref name="group"/>.</summary>
    /// <exception cref="ArgumentException">No structures, a non-positive atom count, or force arrays of the wrong length.</exception>
    public static GroupMetrics Compute(string group, IReadOnlyList<StructurePrediction> items)
    {
        if (items.Count == 0) throw new ArgumentException("Metrics need at least one structure.", nameof(items));
        int n = items.Count;
        var absErr = new double[n];
        double se = 0, sae = 0, saePa = 0, sePa = 0;
        long atoms = 0;
        double fAbs = 0, fSq = 0, cosSum = 0;
        long fCount = 0, cosCount = 0;
        for (int s = 0; s < n; s++)
        {
            var it = items[s];
            if (it.AtomCount < 1) throw new ArgumentException($"Structure {s} of group '{group}' has {it.AtomCount} atoms.", nameof(items));
            double d = it.PredictedEnergy - it.TrueEnergy;
            absErr[s] = Math.Abs(d);
            sae += Math.Abs(d); se += d * d;
            saePa += Math.Abs(d) / it.AtomCount; sePa += d / it.AtomCount * (d / it.AtomCount);
            atoms += it.AtomCount;
            if (it.TrueForces is not { } ft || it.PredictedForces is not { } fp) continue;
            if (ft.Length != 3 * it.AtomCount || fp.Length != 3 * it.AtomCount)
                throw new ArgumentException($"Structure {s} of group '{group}' has {it.AtomCount} atoms but {ft.Length} true and {fp.Length} predicted force components; expected {3 * it.AtomCount}.", nameof(items));
            for (int a = 0; a < it.AtomCount; a++)
            {
                double dot = 0, nt = 0, np = 0;
                for (int c = 0; c < 3; c++)
                {
                    double t = ft[3 * a + c], p = fp[3 * a + c], e = p - t;
                    fAbs += Math.Abs(e); fSq += e * e;
                    dot += t * p; nt += t * t; np += p * p;
                }
                if (nt > 0 && np > 0) { cosSum += dot / Math.Sqrt(nt * np); cosCount++; }
            }
            fCount += 3L * it.AtomCount;
        }
        return new GroupMetrics
        {
            Group = group,
            Structures = n,
            Atoms = atoms,
            EnergyMae = sae / n,
            EnergyRmse = Math.Sqrt(se / n),
            EnergyMaePerAtom = saePa / n,
            EnergyRmsePerAtom = Math.Sqrt(sePa / n),
            ForceMae = fCount > 0 ? fAbs / fCount : null,
            ForceRmse = fCount > 0 ? Math.Sqrt(fSq / fCount) : null,
            ForceCosine = cosCount > 0 ? cosSum / cosCount : null,
            ForceComponents = fCount,
            Uncertainty = ComputeUncertainty(items, absErr),
        };
    }

    private static UncertaintyMetrics? ComputeUncertainty(IReadOnlyList<StructurePrediction> items, double[] absErr)
    {
        int n = items.Count;
        var entropy = new double[n];
        var std = new double[n];
        bool haveEntropy = true, haveStd = true, haveHist = true, haveScale = true;
        for (int s = 0; s < n; s++)
        {
            var it = items[s];
            var h = it.Histogram;
            if (h is null) haveHist = false;
            else if (!(h.EnergyPerUnit > 0)) haveScale = false;
            if (it.Entropy is { } e) entropy[s] = e;
            else if (h is not null) entropy[s] = h.Entropy();
            else haveEntropy = false;
            if (it.StdE is { } sd) std[s] = sd;
            else if (h is not null && h.EnergyPerUnit > 0) std[s] = h.Std() * h.EnergyPerUnit;
            else haveStd = false;
        }
        if (!haveEntropy && !haveStd && !haveHist) return null;

        var flags = RankStatistics.FlagLargest(absErr, 0.1);
        double? meanNll = null, meanNllE = null, area = null;
        double[]? observed = null;
        if (haveHist)
        {
            double nll = 0, lnScale = 0;
            var pit = new double[n];
            for (int s = 0; s < n; s++)
            {
                var h = items[s].Histogram!;
                nll += h.NegativeLogDensity();
                if (haveScale) lnScale += Math.Log(h.EnergyPerUnit);
                pit[s] = h.Cdf(h.TrueValue);
            }
            meanNll = nll / n;
            if (haveScale) meanNllE = (nll + lnScale) / n;
            // y lies in the central p-interval [F⁻¹((1−p)/2), F⁻¹((1+p)/2)] exactly when (1−p)/2 ≤ F(y) ≤ (1+p)/2.
            observed = new double[CalibrationLevels.Length];
            double dev = 0;
            for (int j = 0; j < CalibrationLevels.Length; j++)
            {
                double p = CalibrationLevels[j], lo = 0.5 * (1 - p), hi = 0.5 * (1 + p);
                int inside = 0;
                foreach (double u in pit) if (u >= lo && u <= hi) inside++;
                observed[j] = (double)inside / n;
                dev += Math.Abs(observed[j] - p);
            }
            area = dev / CalibrationLevels.Length;
        }
        return new UncertaintyMetrics
        {
            PearsonEntropy = haveEntropy ? Defined(RankStatistics.Pearson(entropy, absErr)) : null,
            SpearmanEntropy = haveEntropy ? Defined(RankStatistics.Spearman(entropy, absErr)) : null,
            AurocEntropy = haveEntropy ? Defined(RankStatistics.Auroc(entropy, flags)) : null,
            MeanEntropy = haveEntropy ? entropy.Average() : null,
            PearsonStdE = haveStd ? Defined(RankStatistics.Pearson(std, absErr)) : null,
            SpearmanStdE = haveStd ? Defined(RankStatistics.Spearman(std, absErr)) : null,
            AurocStdE = haveStd ? Defined(RankStatistics.Auroc(std, flags)) : null,
            MeanStdE = haveStd ? std.Average() : null,
            MeanNll = meanNll,
            MeanNllEnergy = meanNllE,
            CalibrationLevels = haveHist ? (double[])CalibrationLevels.Clone() : null,
            CalibrationObserved = observed,
            MiscalibrationArea = area,
        };
    }

    private static double? Defined(double x) => double.IsNaN(x) ? null : x;
}
