namespace CatPot.Uncertainty;

/// <summary>
/// The Cholesky factor L (A = L·Lᵀ) of a symmetric positive-definite matrix, in double precision, with the
/// operations the Gaussian estimators need: squared Mahalanobis norm xᵀA⁻¹x, log det A and the inverse.
/// </summary>
public sealed class CholeskyFactor
{
    private readonly double[] _l; // row-major lower triangle, d×d

    private CholeskyFactor(double[] l, int dimension)
    {
        _l = l;
        Dimension = dimension;
    }

    /// <summary>Matrix size d.</summary>
    public int Dimension { get; }

    /// <summary>Factors a symmetric matrix (row-major d×d; only the lower triangle is read).</summary>
    /// <exception cref="ArgumentException">The matrix is not positive definite (a pivot ≤ 0 or not finite).</exception>
    public static CholeskyFactor Factor(ReadOnlySpan<double> matrix, int dimension)
    {
        if (matrix.Length != dimension * dimension)
            throw new ArgumentException($"A {dimension}×{dimension} matrix needs {dimension * dimension} values; got {matrix.Length}.", nameof(matrix));
        int d = dimension;
        var l = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = matrix[(i * d) + j];
                for (int k = 0; k < j; k++) sum -= l[(i * d) + k] * l[(j * d) + k];
                if (i == j)
                {
                    if (!(sum > 0) || !double.IsFinite(sum))
                        throw new ArgumentException($"The matrix is not positive definite (pivot {i} is {sum}).", nameof(matrix));
                    l[(i * d) + i] = Math.Sqrt(sum);
                }
                else l[(i * d) + j] = sum / l[(j * d) + j];
            }
        }
        return new CholeskyFactor(l, d);
    }

    /// <summary>ln det A = 2 Σ ln L_ii.</summary>
    public double LogDeterminant()
    {
        double s = 0;
        for (int i = 0; i < Dimension; i++) s += Math.Log(_l[(i * Dimension) + i]);
        return 2 * s;
    }

    /// <summary>xᵀA⁻¹x = ‖L⁻¹x‖², by forward substitution; <paramref name="work"/> (length d) is overwritten.</summary>
    public double SquaredMahalanobis(ReadOnlySpan<double> x, Span<double> work)
    {
        int d = Dimension;
        double q = 0;
        for (int i = 0; i < d; i++)
        {
            double sum = x[i];
            var row = _l.AsSpan(i * d, i);
            for (int k = 0; k < i; k++) sum -= row[k] * work[k];
            double z = sum / _l[(i * d) + i];
            work[i] = z;
            q += z * z;
        }
        return q;
    }

    /// <summary>A⁻¹ (row-major d×d).</summary>
    public double[] Inverse()
    {
        int d = Dimension;
        var inv = new double[d * d];
        var y = new double[d];
        for (int c = 0; c < d; c++)
        {
            // L y = e_c, then Lᵀ x = y
            for (int i = 0; i < d; i++)
            {
                double sum = i == c ? 1 : 0;
                for (int k = 0; k < i; k++) sum -= _l[(i * d) + k] * y[k];
                y[i] = sum / _l[(i * d) + i];
            }
            for (int i = d - 1; i >= 0; i--)
            {
                double sum = y[i];
                for (int k = i + 1; k < d; k++) sum -= _l[(k * d) + i] * inv[(k * d) + c];
                inv[(i * d) + c] = sum / _l[(i * d) + i];
            }
        }
        return inv;
    }
}
