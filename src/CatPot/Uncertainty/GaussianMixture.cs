namespace CatPot.Uncertainty;

/// <summary>
/// A Gaussian mixture with full, shrunk covariances over d-dimensional feature vectors, fitted by EM (one component:
/// the closed-form Gaussian of DDU's discriminant analysis). Covariances are shrunk towards their diagonal,
/// Σ' = (1 − α)Σ + α diag(Σ) with α = max(shrinkage, d / (n + d)) (default <see cref="DefaultShrinkage"/>), so that
/// elements with fewer atoms than feature dimensions still get a positive-definite covariance, and directions of
/// almost no training variance do not dominate the distance (PaiNN features are not spectrally normalised).
/// </summary>
public sealed class GaussianMixture
{
    /// <summary>The default least shrinkage α applied to a covariance.</summary>
    public const double DefaultShrinkage = 0.1;

    private readonly CholeskyFactor[] _factors;
    private readonly double[] _logNormalisers; // ln w_k − ½(ln det Σ_k + d ln 2π)

    /// <summary>Builds a mixture from its parameters (as stored); covariances row-major [K, d, d].</summary>
    /// <exception cref="ArgumentException">Inconsistent lengths, weights not positive, or a covariance not positive definite.</exception>
    public GaussianMixture(double[] weights, double[] means, double[] covariances, int dimension)
    {
        int k = weights.Length, d = dimension;
        if (k < 1 || d < 1) throw new ArgumentException($"A mixture needs at least one component and one dimension; got {k} and {d}.");
        if (means.Length != k * d) throw new ArgumentException($"{k} components of dimension {d} need {k * d} mean values; got {means.Length}.", nameof(means));
        if (covariances.Length != k * d * d) throw new ArgumentException($"{k} covariances of {d}×{d} need {k * d * d} values; got {covariances.Length}.", nameof(covariances));
        foreach (double w in weights)
            if (!(w > 0) || !double.IsFinite(w)) throw new ArgumentException($"Mixture weights must be positive; found {w}.", nameof(weights));
        Weights = weights;
        Means = means;
        Covariances = covariances;
        Dimension = d;
        _factors = new CholeskyFactor[k];
        _logNormalisers = new double[k];
        for (int c = 0; c < k; c++)
        {
            _factors[c] = CholeskyFactor.Factor(covariances.AsSpan(c * d * d, d * d), d);
            _logNormalisers[c] = Math.Log(weights[c]) - (0.5 * (_factors[c].LogDeterminant() + (d * Math.Log(2 * Math.PI))));
        }
    }

    /// <summary>Mixture weights [K] (sum 1).</summary>
    public double[] Weights { get; }

    /// <summary>Component means, row-major [K, d].</summary>
    public double[] Means { get; }

    /// <summary>Shrunk component covariances, row-major [K, d, d].</summary>
    public double[] Covariances { get; }

    /// <summary>Feature dimension d.</summary>
    public int Dimension { get; }

    /// <summary>Number of components K.</summary>
    public int Components => Weights.Length;

    /// <summary>
    /// Fits a K-component mixture to the rows of <paramref name="data"/> (row-major [n, d]): k-means++ seeding from a
    /// seeded generator, then EM. Fewer rows than 2K give fewer components (at least one).
    /// </summary>
    /// <exception cref="ArgumentException">No rows, or a length that is not a multiple of d.</exception>
    public static GaussianMixture Fit(ReadOnlySpan<double> data, int dimension, int components = 1, int iterations = 50, int seed = 0, double shrinkage = DefaultShrinkage)
    {
        int d = dimension;
        if (d < 1 || data.Length == 0 || data.Length % d != 0)
            throw new ArgumentException($"Need a non-empty row-major [n, {d}] array; got {data.Length} values.", nameof(data));
        int n = data.Length / d;
        int k = Math.Max(1, Math.Min(components, n / 2));
        var x = data.ToArray();
        var resp = new double[n * k];
        if (k == 1) Array.Fill(resp, 1.0);
        else SeedResponsibilities(x, n, d, k, seed, resp);

        GaussianMixture model = MStep(x, n, d, k, resp, shrinkage);
        if (k == 1) return model;
        double previous = double.NegativeInfinity;
        var logp = new double[k];
        var work = new double[d];
        for (int it = 0; it < iterations; it++)
        {
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                var row = x.AsSpan(i * d, d);
                double max = double.NegativeInfinity;
                for (int c = 0; c < k; c++) { logp[c] = model.ComponentLogDensity(c, row, work); max = Math.Max(max, logp[c]); }
                double sum = 0;
                for (int c = 0; c < k; c++) sum += Math.Exp(logp[c] - max);
                double lse = max + Math.Log(sum);
                total += lse;
                for (int c = 0; c < k; c++) resp[(i * k) + c] = Math.Exp(logp[c] - lse);
            }
            model = MStep(x, n, d, k, resp, shrinkage);
            if (total - previous < 1e-6 * Math.Abs(total)) break;
            previous = total;
        }
        return model;
    }

    /// <summary>ln p(x) under the mixture.</summary>
    public double LogDensity(ReadOnlySpan<double> x, Span<double> work)
    {
        double max = double.NegativeInfinity;
        Span<double> lp = Components <= 64 ? stackalloc double[Components] : new double[Components];
        for (int c = 0; c < Components; c++) { lp[c] = ComponentLogDensity(c, x, work); max = Math.Max(max, lp[c]); }
        double sum = 0;
        for (int c = 0; c < Components; c++) sum += Math.Exp(lp[c] - max);
        return max + Math.Log(sum);
    }

    /// <summary>
    /// Squared Mahalanobis distance to the nearest component, divided by d: about 1 for a typical training vector
    /// (χ²_d / d), growing with the square of the distance from the training features.
    /// </summary>
    public double Novelty(ReadOnlySpan<double> x, Span<double> work)
    {
        int d = Dimension;
        Span<double> centred = d <= 512 ? stackalloc double[d] : new double[d];
        double best = double.PositiveInfinity;
        for (int c = 0; c < Components; c++)
        {
            var mean = Means.AsSpan(c * d, d);
            for (int j = 0; j < d; j++) centred[j] = x[j] - mean[j];
            best = Math.Min(best, _factors[c].SquaredMahalanobis(centred, work));
        }
        return best / d;
    }

    private double ComponentLogDensity(int c, ReadOnlySpan<double> x, Span<double> work)
    {
        int d = Dimension;
        Span<double> centred = d <= 512 ? stackalloc double[d] : new double[d];
        var mean = Means.AsSpan(c * d, d);
        for (int j = 0; j < d; j++) centred[j] = x[j] - mean[j];
        return _logNormalisers[c] - (0.5 * _factors[c].SquaredMahalanobis(centred, work));
    }

    private static GaussianMixture MStep(double[] x, int n, int d, int k, double[] resp, double shrinkage)
    {
        var weights = new double[k];
        var means = new double[k * d];
        var covs = new double[k * d * d];
        var centred = new double[d];
        for (int c = 0; c < k; c++)
        {
            double nk = 0;
            var mean = means.AsSpan(c * d, d);
            for (int i = 0; i < n; i++)
            {
                double r = resp[(i * k) + c];
                if (r == 0) continue;
                nk += r;
                var row = x.AsSpan(i * d, d);
                for (int j = 0; j < d; j++) mean[j] += r * row[j];
            }
            nk = Math.Max(nk, 1e-10);
            for (int j = 0; j < d; j++) mean[j] /= nk;
            var cov = covs.AsSpan(c * d * d, d * d);
            for (int i = 0; i < n; i++)
            {
                double r = resp[(i * k) + c];
                if (r < 1e-12) continue;
                var row = x.AsSpan(i * d, d);
                for (int j = 0; j < d; j++) centred[j] = row[j] - mean[j];
                for (int a = 0; a < d; a++)
                {
                    double ra = r * centred[a];
                    var covRow = cov.Slice(a * d, a + 1);
                    for (int b = 0; b <= a; b++) covRow[b] += ra * centred[b];
                }
            }
            double trace = 0;
            for (int a = 0; a < d; a++)
                for (int b = 0; b <= a; b++)
                {
                    double v = cov[(a * d) + b] / nk;
                    cov[(a * d) + b] = v;
                    cov[(b * d) + a] = v;
                    if (a == b) trace += v;
                }
            double alpha = Math.Clamp(Math.Max(shrinkage, d / (nk + d)), 0, 1);
            double floor = Math.Max(1e-6 * trace / d, 1e-12); // keeps a feature that never varied invertible
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++)
                    cov[(a * d) + b] = a == b ? cov[(a * d) + a] + floor : (1 - alpha) * cov[(a * d) + b];
            weights[c] = nk / n;
        }
        double wsum = weights.Sum();
        for (int c = 0; c < k; c++) weights[c] = Math.Max(weights[c] / wsum, 1e-12);
        return new GaussianMixture(weights, means, covs, d);
    }

    private static void SeedResponsibilities(double[] x, int n, int d, int k, int seed, double[] resp)
    {
        // k-means++ centres, then hard assignment to the nearest centre.
        var rng = new Random(seed);
        var centres = new double[k * d];
        x.AsSpan(rng.Next(n) * d, d).CopyTo(centres);
        var dist = new double[n];
        Array.Fill(dist, double.PositiveInfinity);
        for (int c = 1; c <= k; c++)
        {
            var prev = centres.AsSpan((c - 1) * d, d);
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                var row = x.AsSpan(i * d, d);
                for (int j = 0; j < d; j++) { double t = row[j] - prev[j]; s += t * t; }
                dist[i] = Math.Min(dist[i], s);
                total += dist[i];
            }
            if (c == k) break;
            double pick = rng.NextDouble() * total;
            int chosen = n - 1;
            for (int i = 0; i < n; i++) { pick -= dist[i]; if (pick <= 0) { chosen = i; break; } }
            x.AsSpan(chosen * d, d).CopyTo(centres.AsSpan(c * d, d));
        }
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            double bestD = double.PositiveInfinity;
            var row = x.AsSpan(i * d, d);
            for (int c = 0; c < k; c++)
            {
                double s = 0;
                var centre = centres.AsSpan(c * d, d);
                for (int j = 0; j < d; j++) { double t = row[j] - centre[j]; s += t * t; }
                if (s < bestD) { bestD = s; best = c; }
            }
            resp[(i * k) + best] = 1.0;
        }
    }
}
