namespace CatPot.Data;

/// <summary>
/// Minimum-norm linear least squares, min ‖A x − b‖ with the smallest ‖x‖ when A is rank deficient
/// (what <c>numpy.linalg.lstsq</c> returns), by one-sided Jacobi SVD (Hestenes). Meant for tall, thin
/// systems such as structures × elements; all in double precision.
/// </summary>
internal static class LeastSquares
{
    private const int MaxSweeps = 100;

    // 2^-52, the spacing of doubles at 1 (numpy's finfo(float64).eps; .NET's double.Epsilon is the smallest subnormal instead).
    internal const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>Solves the system.</summary>
    /// <param name="a">Matrix A, column-major: column c is <c>a[c*rows .. (c+1)*rows)</c>. Overwritten.</param>
    /// <param name="rows">Rows m of A.</param>
    /// <param name="columns">Columns k of A.</param>
    /// <param name="b">Right-hand side (length m).</param>
    /// <param name="rcond">Singular values below rcond·σ_max count as zero; null means numpy's default ε·max(m, k).</param>
    /// <returns>x (length k).</returns>
    public static double[] SolveMinimumNorm(double[] a, int rows, int columns, ReadOnlySpan<double> b, double? rcond = null)
    {
        if (a.Length != rows * columns) throw new ArgumentException($"A has {a.Length} values, expected {rows}×{columns}.", nameof(a));
        if (b.Length != rows) throw new ArgumentException($"b has {b.Length} values, expected {rows}.", nameof(b));
        int m = rows, k = columns;
        var v = new double[k * k];
        for (int c = 0; c < k; c++) v[c * k + c] = 1.0;

        // Rotate column pairs of A (and V) until all columns are mutually orthogonal: then A·V = W with
        // orthogonal columns of norm σ_i, i.e. A = (W Σ⁻¹) Σ Vᵀ is an SVD.
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < k - 1; p++)
            {
                for (int q = p + 1; q < k; q++)
                {
                    var wp = a.AsSpan(p * m, m);
                    var wq = a.AsSpan(q * m, m);
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int r = 0; r < m; r++)
                    {
                        alpha += wp[r] * wp[r];
                        beta += wq[r] * wq[r];
                        gamma += wp[r] * wq[r];
                    }
                    if (gamma == 0 || Math.Abs(gamma) <= 1e-15 * Math.Sqrt(alpha * beta)) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta == 0 ? 1 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    double cs = 1 / Math.Sqrt(1 + t * t), sn = cs * t;
                    Rotate(wp, wq, cs, sn);
                    Rotate(v.AsSpan(p * k, k), v.AsSpan(q * k, k), cs, sn);
                }
            }
            if (!rotated) break;
        }

        var sigma2 = new double[k];
        double maxSigma = 0;
        for (int c = 0; c < k; c++)
        {
            var w = a.AsSpan(c * m, m);
            double s2 = 0;
            foreach (double x in w) s2 += x * x;
            sigma2[c] = s2;
            maxSigma = Math.Max(maxSigma, Math.Sqrt(s2));
        }
        double threshold = (rcond ?? MachineEpsilon * Math.Max(m, k)) * maxSigma;

        // x = Σ_i v_i (u_iᵀ b) / σ_i with u_i = w_i / σ_i, over the non-negligible σ_i.
        var result = new double[k];
        for (int c = 0; c < k; c++)
        {
            if (Math.Sqrt(sigma2[c]) <= threshold) continue;
            var w = a.AsSpan(c * m, m);
            double wb = 0;
            for (int r = 0; r < m; r++) wb += w[r] * b[r];
            double coef = wb / sigma2[c];
            var vc = v.AsSpan(c * k, k);
            for (int j = 0; j < k; j++) result[j] += coef * vc[j];
        }
        return result;
    }

    private static void Rotate(Span<double> x, Span<double> y, double cs, double sn)
    {
        for (int r = 0; r < x.Length; r++)
        {
            double xr = x[r], yr = y[r];
            x[r] = cs * xr - sn * yr;
            y[r] = sn * xr + cs * yr;
        }
    }
}
