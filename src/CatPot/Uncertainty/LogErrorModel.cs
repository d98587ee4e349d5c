namespace CatPot.Uncertainty;

/// <summary>
/// A fused error score: ln u = b + Σ_j w_j (x_j − m_j)/s_j, fitted by ridge least squares to ln(|ΔE| + floor) on
/// held-out structures, with every weight w_j ≥ 0 (coordinate descent) so that u never falls when one of its
/// signals (novelty, rigidity, entropy, …) rises — the property that makes it rise out of domain. u is in eV up to the
/// conformal factor applied by <see cref="NormalisedResidualQuantiles"/>.
/// </summary>
public sealed class LogErrorModel
{
    /// <summary>Builds a fitted model from its parameters (as stored).</summary>
    /// <exception cref="ArgumentException">Lengths differ, a scale is not positive, or a value is not finite.</exception>
    public LogErrorModel(string[] names, double[] means, double[] scales, double[] weights, double intercept)
    {
        int p = names.Length;
        if (means.Length != p || scales.Length != p || weights.Length != p)
            throw new ArgumentException($"{p} features need {p} means, scales and weights; got {means.Length}, {scales.Length}, {weights.Length}.");
        for (int j = 0; j < p; j++)
            if (!(scales[j] > 0) || !double.IsFinite(means[j]) || !double.IsFinite(weights[j]) || !double.IsFinite(scales[j]))
                throw new ArgumentException($"Feature '{names[j]}' has mean {means[j]}, scale {scales[j]}, weight {weights[j]}; all must be finite, the scale positive.");
        if (!double.IsFinite(intercept)) throw new ArgumentException($"The intercept must be finite; got {intercept}.", nameof(intercept));
        Names = names;
        Means = means;
        Scales = scales;
        Weights = weights;
        Intercept = intercept;
    }

    /// <summary>Feature names, in column order.</summary>
    public string[] Names { get; }

    /// <summary>Column means m_j of the fitting data.</summary>
    public double[] Means { get; }

    /// <summary>Column standard deviations s_j of the fitting data (1 for a constant column).</summary>
    public double[] Scales { get; }

    /// <summary>Weights w_j ≥ 0 on the standardised columns.</summary>
    public double[] Weights { get; }

    /// <summary>Intercept b.</summary>
    public double Intercept { get; }

    /// <summary>
    /// Fits the model: <paramref name="features"/> row-major [n, p], <paramref name="absoluteErrors"/> |ΔE| [n]; the
    /// target is ln(|ΔE| + <paramref name="floor"/>), the penalty <paramref name="ridge"/>·½‖w‖² on standardised columns.
    /// </summary>
    /// <param name="names">Input names, in column order.</param>
    /// <param name="features">Inputs, row-major [n, p].</param>
    /// <param name="absoluteErrors">|ΔE| of each row (eV).</param>
    /// <param name="floor">Added to |ΔE| before the logarithm.</param>
    /// <param name="ridge">Penalty on the standardised weights.</param>
    /// <param name="sweeps">Most coordinate-descent sweeps.</param>
    /// <param name="groups">Parent (or other group) of each row, or null. When given, the weights are fitted on the
    /// variation <em>inside</em> groups (every column and the target minus their group means: parent fixed effects), and
    /// one common factor c ≥ 0 then scales them to the pooled data (least squares of the target on the fitted score).
    /// With a calibration set of a few dozen parents, which parents happen to be hard confounds the pooled fit (on xtb4
    /// val the larger molecules were the hard ones, on test the small charged ones); the many within-parent comparisons
    /// say which signals track the error of the model itself. Inputs constant inside every group (ln N, the rarest
    /// element) get weight 0 this way. Falls back to the pooled fit when no group has two rows or no weight is positive.</param>
    /// <exception cref="ArgumentException">Lengths do not match or a value is not finite.</exception>
    public static LogErrorModel Fit(string[] names, ReadOnlySpan<double> features, ReadOnlySpan<double> absoluteErrors, double floor = 1e-3, double ridge = 1e-2, int sweeps = 2000,
        IReadOnlyList<string>? groups = null)
    {
        int p = names.Length, n = absoluteErrors.Length;
        if (n < 2 || features.Length != n * p) throw new ArgumentException($"{n} structures × {p} features need {n * p} values; got {features.Length} (and at least 2 structures).");
        if (groups is not null && groups.Count != n) throw new ArgumentException($"Need one group per structure; got {groups.Count} for {n}.", nameof(groups));
        var means = new double[p];
        var scales = new double[p];
        var z = new double[n * p];
        for (int j = 0; j < p; j++)
        {
            double m = 0;
            for (int i = 0; i < n; i++)
            {
                double v = features[(i * p) + j];
                if (!double.IsFinite(v)) throw new ArgumentException($"Feature '{names[j]}' of structure {i} is {v}.", nameof(features));
                m += v;
            }
            m /= n;
            double ss = 0;
            for (int i = 0; i < n; i++) { double d = features[(i * p) + j] - m; ss += d * d; }
            double sd = Math.Sqrt(ss / n);
            means[j] = m;
            scales[j] = sd > 1e-12 ? sd : 1.0;
            for (int i = 0; i < n; i++) z[(i * p) + j] = (features[(i * p) + j] - m) / scales[j];
        }
        var y = new double[n];
        double ym = 0;
        for (int i = 0; i < n; i++) { y[i] = Math.Log(Math.Abs(absoluteErrors[i]) + floor); ym += y[i]; }
        ym /= n;
        var centred = new double[n];
        for (int i = 0; i < n; i++) centred[i] = y[i] - ym;
        double[]? w = null;
        if (groups is not null && WithinGroupDeviations(z, y, n, p, groups) is { } within)
        {
            var wg = NonNegativeRidge(within.Z, within.Y, n, p, ridge, sweeps);
            // one common factor c ≥ 0 for the pooled data: least squares of (y − ȳ) on the score s = z·w (mean 0)
            double ss = 0, sy = 0;
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                for (int j = 0; j < p; j++) s += z[(i * p) + j] * wg[j];
                ss += s * s;
                sy += s * centred[i];
            }
            if (ss > 0 && sy > 0)
            {
                double c = sy / ss;
                w = wg.Select(v => v * c).ToArray();
            }
        }
        w ??= NonNegativeRidge(z, centred, n, p, ridge, sweeps);
        return new LogErrorModel((string[])names.Clone(), means, scales, w, ym);
    }

    // Columns and target minus their group means, over the rows of groups with at least two members (singletons carry
    // no within-group information and become zero rows); null when no group has two rows.
    private static (double[] Z, double[] Y)? WithinGroupDeviations(double[] z, double[] y, int n, int p, IReadOnlyList<string> groups)
    {
        var members = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            if (!members.TryGetValue(groups[i], out var list)) members[groups[i]] = list = [];
            list.Add(i);
        }
        if (members.Values.All(l => l.Count < 2)) return null;
        var zc = new double[n * p];
        var yc = new double[n];
        var mean = new double[p];
        foreach (var rows in members.Values)
        {
            if (rows.Count < 2) continue;
            Array.Clear(mean);
            double my = 0;
            foreach (int i in rows)
            {
                for (int j = 0; j < p; j++) mean[j] += z[(i * p) + j];
                my += y[i];
            }
            my /= rows.Count;
            foreach (int i in rows)
            {
                for (int j = 0; j < p; j++) zc[(i * p) + j] = z[(i * p) + j] - (mean[j] / rows.Count);
                yc[i] = y[i] - my;
            }
        }
        return (zc, yc);
    }

    // min ½·mean((r − Z w)²) + ½·ridge·‖w‖² subject to w ≥ 0, by cyclic coordinate descent; r is centred.
    private static double[] NonNegativeRidge(double[] z, double[] target, int n, int p, double ridge, int sweeps)
    {
        var r = (double[])target.Clone(); // residual target − Z w
        var w = new double[p];
        var colSq = new double[p];
        for (int j = 0; j < p; j++)
            for (int i = 0; i < n; i++) colSq[j] += z[(i * p) + j] * z[(i * p) + j] / n;
        for (int sweep = 0; sweep < sweeps; sweep++)
        {
            double change = 0;
            for (int j = 0; j < p; j++)
            {
                if (colSq[j] < 1e-20) continue; // constant column (or constant inside every group)
                double dot = 0;
                for (int i = 0; i < n; i++) dot += z[(i * p) + j] * r[i];
                dot /= n;
                double updated = Math.Max(0, ((colSq[j] * w[j]) + dot) / (colSq[j] + ridge));
                double delta = updated - w[j];
                if (delta == 0) continue;
                for (int i = 0; i < n; i++) r[i] -= delta * z[(i * p) + j];
                w[j] = updated;
                change = Math.Max(change, Math.Abs(delta));
            }
            if (change < 1e-10) break;
        }
        return w;
    }

    /// <summary>ln u of one structure's feature row (in <see cref="Names"/> order).</summary>
    public double LogSize(ReadOnlySpan<double> features)
    {
        if (features.Length != Names.Length) throw new ArgumentException($"Expected {Names.Length} features; got {features.Length}.", nameof(features));
        double s = Intercept;
        for (int j = 0; j < Names.Length; j++) s += Weights[j] * (features[j] - Means[j]) / Scales[j];
        return s;
    }

    /// <summary>u = exp(ln u), clamped to the double range.</summary>
    public double Size(ReadOnlySpan<double> features) => Math.Exp(Math.Min(LogSize(features), 700));
}
