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
    /// <exception cref="ArgumentException">Lengths do not match or a value is not finite.</exception>
    public static LogErrorModel Fit(string[] names, ReadOnlySpan<double> features, ReadOnlySpan<double> absoluteErrors, double floor = 1e-3, double ridge = 1e-2, int sweeps = 2000)
    {
        int p = names.Length, n = absoluteErrors.Length;
        if (n < 2 || features.Length != n * p) throw new ArgumentException($"{n} structures × {p} features need {n * p} values; got {features.Length} (and at least 2 structures).");
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
        var r = new double[n]; // residual y − ym − Z w
        for (int i = 0; i < n; i++) r[i] = y[i] - ym;
        var w = new double[p];
        var colSq = new double[p];
        for (int j = 0; j < p; j++)
            for (int i = 0; i < n; i++) colSq[j] += z[(i * p) + j] * z[(i * p) + j] / n;
        for (int sweep = 0; sweep < sweeps; sweep++)
        {
            double change = 0;
            for (int j = 0; j < p; j++)
            {
                if (colSq[j] == 0) continue;
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
        return new LogErrorModel((string[])names.Clone(), means, scales, w, ym);
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
