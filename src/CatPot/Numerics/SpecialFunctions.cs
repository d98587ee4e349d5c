namespace CatPot.Numerics;

/// <summary>
/// Special functions in double precision. <see cref="Erf"/> and <see cref="Erfc"/> follow W. J. Cody's
/// rational Chebyshev approximations (Math. Comp. 23 (1969) 631–637; the CALERF scheme): three ranges,
/// each a ratio of polynomials, with exp(−x²) split into two factors so the tail keeps full relative accuracy.
/// </summary>
public static class SpecialFunctions
{
    // |x| <= 0.46875: erf(x) = x · A(x²) / B(x²)
    private const double A0 = 3.16112374387056560e00, A1 = 1.13864154151050156e02, A2 = 3.77485237685302021e02,
        A3 = 3.20937758913846947e03, A4 = 1.85777706184603153e-1;
    private const double B0 = 2.36012909523441209e01, B1 = 2.44024637934444173e02, B2 = 1.28261652607737228e03,
        B3 = 2.84423683343917062e03;

    // 0.46875 < |x| <= 4: erfc(x) = exp(−x²) · C(x) / D(x)
    private const double C0 = 5.64188496988670089e-1, C1 = 8.88314979438837594e00, C2 = 6.61191906371416295e01,
        C3 = 2.98635138197400131e02, C4 = 8.81952221241769090e02, C5 = 1.71204761263407058e03,
        C6 = 2.05107837782607147e03, C7 = 1.23033935479799725e03, C8 = 2.15311535474403846e-8;
    private const double D0 = 1.57449261107098347e01, D1 = 1.17693950891312499e02, D2 = 5.37181101862009858e02,
        D3 = 1.62138957456669019e03, D4 = 3.29079923573345963e03, D5 = 4.36261909014324716e03,
        D6 = 3.43936767414372164e03, D7 = 1.23033935480374942e03;

    // |x| > 4: erfc(x) = exp(−x²)/x · (1/√π + P(1/x²)/(x² Q(1/x²)))
    private const double P0 = 3.05326634961232344e-1, P1 = 3.60344899949804439e-1, P2 = 1.25781726111229246e-1,
        P3 = 1.60837851487422766e-2, P4 = 6.58749161529837803e-4, P5 = 1.63153871373020978e-2;
    private const double Q0 = 2.56852019228982242e00, Q1 = 1.87295284992346725e00, Q2 = 5.27905102951428412e-1,
        Q3 = 6.05183413124413191e-2, Q4 = 2.33520497626869185e-3;

    private const double InvSqrtPi = 5.6418958354775628695e-1;
    private const double SmallRangeEnd = 0.46875;
    private const double XSmall = 1.11e-16;   // below this x² is negligible against 1
    private const double ErfcUnderflow = 26.543; // erfc(x) < smallest subnormal beyond this

    /// <summary>The error function erf(x) = 2/√π ∫₀ˣ exp(−t²) dt, relative error ~1e-16.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double y = Math.Abs(x);
        if (y <= SmallRangeEnd) return SmallRange(x);
        // erf = 1 − erfc; erfc(|x|) ≤ 0.51 here, so the subtraction loses no relative accuracy.
        double r = (0.5 - ErfcPositive(y)) + 0.5;
        return x < 0 ? -r : r;
    }

    /// <summary>The complementary error function erfc(x) = 1 − erf(x), accurate in the right tail (no cancellation).</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double y = Math.Abs(x);
        if (y <= SmallRangeEnd) return 1.0 - SmallRange(x);
        double r = ErfcPositive(y);
        return x < 0 ? 2.0 - r : r;
    }

    /// <summary>The standard normal cumulative distribution Φ(x) = erfc(−x/√2)/2, accurate in both tails' small values.</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x * 0.70710678118654752440);

    private static double SmallRange(double x)
    {
        double y = Math.Abs(x);
        double ysq = y > XSmall ? y * y : 0.0;
        double num = A4 * ysq, den = ysq;
        num = (num + A0) * ysq; den = (den + B0) * ysq;
        num = (num + A1) * ysq; den = (den + B1) * ysq;
        num = (num + A2) * ysq; den = (den + B2) * ysq;
        return x * (num + A3) / (den + B3);
    }

    /// <summary>erfc(y) for y &gt; 0.46875.</summary>
    private static double ErfcPositive(double y)
    {
        double r;
        if (y <= 4.0)
        {
            double num = C8 * y, den = y;
            num = (num + C0) * y; den = (den + D0) * y;
            num = (num + C1) * y; den = (den + D1) * y;
            num = (num + C2) * y; den = (den + D2) * y;
            num = (num + C3) * y; den = (den + D3) * y;
            num = (num + C4) * y; den = (den + D4) * y;
            num = (num + C5) * y; den = (den + D5) * y;
            num = (num + C6) * y; den = (den + D6) * y;
            r = (num + C7) / (den + D7);
        }
        else
        {
            if (y >= ErfcUnderflow) return 0.0;
            double z = 1.0 / (y * y);
            double num = P5 * z, den = z;
            num = (num + P0) * z; den = (den + Q0) * z;
            num = (num + P1) * z; den = (den + Q1) * z;
            num = (num + P2) * z; den = (den + Q2) * z;
            num = (num + P3) * z; den = (den + Q3) * z;
            r = z * (num + P4) / (den + Q4);
            r = (InvSqrtPi - r) / y;
        }
        // exp(−y²) = exp(−a²)·exp(−(y−a)(y+a)) with a = y rounded down to 1/16: a² is exact, so the
        // rounding error of y² does not get amplified by the exponential.
        double a = Math.Truncate(y * 16.0) / 16.0;
        double del = (y - a) * (y + a);
        return Math.Exp(-a * a) * Math.Exp(-del) * r;
    }
}
