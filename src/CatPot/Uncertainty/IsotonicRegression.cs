namespace CatPot.Uncertainty;

/// <summary>
/// Increasing isotonic regression of y on x (pool-adjacent-violators, weighted least squares). The fit is a step
/// function with one level per block; <see cref="Predict"/> interpolates linearly between the blocks' mean x (so
/// distinct scores stay distinct between blocks) and holds the end levels outside the fitted range.
/// </summary>
public sealed class IsotonicRegression
{
    /// <summary>Builds a fitted map from its knots (as stored): increasing x, non-decreasing y.</summary>
    /// <exception cref="ArgumentException">Unequal lengths, no knots, or knots out of order.</exception>
    public IsotonicRegression(double[] knotX, double[] knotY)
    {
        if (knotX.Length != knotY.Length || knotX.Length == 0)
            throw new ArgumentException($"Need as many knot x as y, at least one; got {knotX.Length} and {knotY.Length}.");
        for (int i = 1; i < knotX.Length; i++)
            if (!(knotX[i] > knotX[i - 1]) || knotY[i] < knotY[i - 1])
                throw new ArgumentException($"Knots must have increasing x and non-decreasing y; knot {i} breaks it.");
        KnotX = knotX;
        KnotY = knotY;
    }

    /// <summary>Mean x of each block, increasing.</summary>
    public double[] KnotX { get; }

    /// <summary>Fitted level of each block, non-decreasing.</summary>
    public double[] KnotY { get; }

    /// <summary>The least-squares non-decreasing fit of <paramref name="y"/> on <paramref name="x"/> (equal x pooled first).</summary>
    /// <exception cref="ArgumentException">Unequal lengths, no points, or a non-finite value.</exception>
    public static IsotonicRegression Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> weights = default)
    {
        int n = x.Length;
        if (n == 0 || y.Length != n || (!weights.IsEmpty && weights.Length != n))
            throw new ArgumentException($"Isotonic regression needs equal, non-empty x, y (and weights); got {x.Length}, {y.Length}, {weights.Length}.");
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i])) throw new ArgumentException($"Point {i} is not finite ({x[i]}, {y[i]}).");
            order[i] = i;
        }
        var xs = x.ToArray();
        Array.Sort(xs, order);
        // Blocks: weighted sums of w, w·x, w·y; equal x start in one block so that ties get one level.
        var bw = new List<double>(n);
        var bx = new List<double>(n);
        var by = new List<double>(n);
        var first = new List<double>(n);
        for (int i = 0; i < n; i++)
        {
            int j = order[i];
            double w = weights.IsEmpty ? 1.0 : weights[j];
            if (bw.Count > 0 && xs[i] == first[^1])
            {
                bw[^1] += w; bx[^1] += w * xs[i]; by[^1] += w * y[j];
            }
            else
            {
                bw.Add(w); bx.Add(w * xs[i]); by.Add(w * y[j]); first.Add(xs[i]);
            }
            while (bw.Count > 1 && by[^2] / bw[^2] >= by[^1] / bw[^1])
            {
                bw[^2] += bw[^1]; bx[^2] += bx[^1]; by[^2] += by[^1];
                bw.RemoveAt(bw.Count - 1); bx.RemoveAt(bx.Count - 1); by.RemoveAt(by.Count - 1); first.RemoveAt(first.Count - 1);
            }
        }
        var kx = new double[bw.Count];
        var ky = new double[bw.Count];
        for (int b = 0; b < bw.Count; b++) { kx[b] = bx[b] / bw[b]; ky[b] = by[b] / bw[b]; }
        return new IsotonicRegression(kx, ky);
    }

    /// <summary>The block level at each fitted block, linear between blocks' mean x, constant outside.</summary>
    public double Predict(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x <= KnotX[0]) return KnotY[0];
        int last = KnotX.Length - 1;
        if (x >= KnotX[last]) return KnotY[last];
        int lo = 0, hi = last;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (KnotX[mid] <= x) lo = mid; else hi = mid;
        }
        double t = (x - KnotX[lo]) / (KnotX[hi] - KnotX[lo]);
        return KnotY[lo] + (t * (KnotY[hi] - KnotY[lo]));
    }
}
