using CatPot.Uncertainty;
using Xunit;

namespace CatPot.Tests.Uncertainty;

/// <summary>CholeskyFactor and LastLayerRigidity against direct computations with a Gauss–Jordan inverse.</summary>
public sealed class LinearAlgebraTests
{
    internal static double[] GaussJordanInverse(double[] a, int d)
    {
        var m = (double[])a.Clone();
        var inv = new double[d * d];
        for (int i = 0; i < d; i++) inv[(i * d) + i] = 1;
        for (int c = 0; c < d; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < d; r++) if (Math.Abs(m[(r * d) + c]) > Math.Abs(m[(pivot * d) + c])) pivot = r;
            for (int k = 0; k < d; k++)
            {
                (m[(c * d) + k], m[(pivot * d) + k]) = (m[(pivot * d) + k], m[(c * d) + k]);
                (inv[(c * d) + k], inv[(pivot * d) + k]) = (inv[(pivot * d) + k], inv[(c * d) + k]);
            }
            double p = m[(c * d) + c];
            for (int k = 0; k < d; k++) { m[(c * d) + k] /= p; inv[(c * d) + k] /= p; }
            for (int r = 0; r < d; r++)
            {
                if (r == c) continue;
                double f = m[(r * d) + c];
                for (int k = 0; k < d; k++) { m[(r * d) + k] -= f * m[(c * d) + k]; inv[(r * d) + k] -= f * inv[(c * d) + k]; }
            }
        }
        return inv;
    }

    internal static double Quadratic(double[] inv, double[] x, int d)
    {
        double q = 0;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) q += x[i] * inv[(i * d) + j] * x[j];
        return q;
    }

    private static double[] RandomSpd(int d, Random rng)
    {
        var b = new double[d * d];
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextDouble() - 0.5;
        var a = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double s = i == j ? 0.1 : 0;
                for (int k = 0; k < d; k++) s += b[(i * d) + k] * b[(j * d) + k];
                a[(i * d) + j] = s;
            }
        return a;
    }

    [Fact]
    public void Cholesky_mahalanobis_inverse_and_log_det_match_direct_computation()
    {
        var rng = new Random(5);
        const int d = 7;
        var a = RandomSpd(d, rng);
        var chol = CholeskyFactor.Factor(a, d);
        var inv = GaussJordanInverse(a, d);
        var x = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        Assert.Equal(Quadratic(inv, x, d), chol.SquaredMahalanobis(x, new double[d]), 10);
        var cinv = chol.Inverse();
        for (int i = 0; i < d * d; i++) Assert.Equal(inv[i], cinv[i], 9);
        // det through the Gauss–Jordan pivots: det(A) = 1/det(A⁻¹); compare ln det via the product of L's diagonal squared
        double logDetDirect = -Math.Log(Determinant(inv, d));
        Assert.Equal(logDetDirect, chol.LogDeterminant(), 9);
    }

    [Fact]
    public void Cholesky_refuses_a_matrix_that_is_not_positive_definite()
    {
        Assert.Throws<ArgumentException>(() => CholeskyFactor.Factor([1, 2, 2, 1], 2));
    }

    [Fact]
    public void Llpr_score_is_sqrt_of_f_transpose_regularised_gram_inverse_f()
    {
        var rng = new Random(11);
        const int d = 5, s = 40;
        var f = new double[s * d];
        for (int i = 0; i < f.Length; i++) f[i] = rng.NextDouble() - 0.3;
        const double relRidge = 1e-3;
        var llpr = LastLayerRigidity.Fit(f, d, relRidge);

        var gram = new double[d * d];
        for (int r = 0; r < s; r++)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) gram[(i * d) + j] += f[(r * d) + i] * f[(r * d) + j];
        double trace = 0;
        for (int i = 0; i < d; i++) trace += gram[(i * d) + i];
        for (int i = 0; i < d; i++) gram[(i * d) + i] += relRidge * trace / d;
        var inv = GaussJordanInverse(gram, d);
        for (int t = 0; t < 5; t++)
        {
            var x = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 3 - 1).ToArray();
            Assert.Equal(Math.Sqrt(Quadratic(inv, x, d)), llpr.Score(x), 10);
        }
        // scaling the features scales the score: the rigidity is linear in f
        var x0 = Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray();
        Assert.Equal(3 * llpr.Score(x0), llpr.Score(x0.Select(v => 3 * v).ToArray()), 10);
    }

    private static double Determinant(double[] a, int d)
    {
        var m = (double[])a.Clone();
        double det = 1;
        for (int c = 0; c < d; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < d; r++) if (Math.Abs(m[(r * d) + c]) > Math.Abs(m[(pivot * d) + c])) pivot = r;
            if (pivot != c)
            {
                for (int k = 0; k < d; k++) (m[(c * d) + k], m[(pivot * d) + k]) = (m[(pivot * d) + k], m[(c * d) + k]);
                det = -det;
            }
            det *= m[(c * d) + c];
            for (int r = c + 1; r < d; r++)
            {
                double f = m[(r * d) + c] / m[(c * d) + c];
                for (int k = c; k < d; k++) m[(r * d) + k] -= f * m[(c * d) + k];
            }
        }
        return det;
    }
}
