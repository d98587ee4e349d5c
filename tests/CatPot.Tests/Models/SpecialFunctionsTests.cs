using CatPot.Numerics;
using Xunit;

namespace CatPot.Tests.Models;

public class SpecialFunctionsTests
{
    private static void AssertRelative(double expected, double actual, double rtol, string what)
    {
        double err = Math.Abs(actual - expected);
        double tol = rtol * Math.Abs(expected) + 1e-300;
        Assert.True(err <= tol, $"{what}: expected {expected:R}, got {actual:R} (rel err {err / Math.Max(Math.Abs(expected), 1e-300):E2})");
    }

    [Fact]
    public void Erf_and_Erfc_match_the_C_library_to_about_1e_15()
    {
        var table = PeerFixtures.Json("erf_values.json").GetProperty("values");
        int n = 0;
        foreach (var row in table.EnumerateArray())
        {
            double x = row[0].GetDouble(), erf = row[1].GetDouble(), erfc = row[2].GetDouble();
            AssertRelative(erf, SpecialFunctions.Erf(x), 2e-15, $"erf({x:R})");
            AssertRelative(erfc, SpecialFunctions.Erfc(x), 2e-15, $"erfc({x:R})");
            n++;
        }
        Assert.True(n > 100);
    }

    [Fact]
    public void Erf_is_odd_and_saturates_without_NaN()
    {
        for (double x = -30; x <= 30; x += 0.37)
            Assert.Equal(-SpecialFunctions.Erf(x), SpecialFunctions.Erf(-x));
        Assert.Equal(1.0, SpecialFunctions.Erf(double.PositiveInfinity));
        Assert.Equal(0.0, SpecialFunctions.Erfc(double.PositiveInfinity));
        Assert.Equal(2.0, SpecialFunctions.Erfc(double.NegativeInfinity));
        Assert.True(double.IsNaN(SpecialFunctions.Erf(double.NaN)));
    }

    [Fact]
    public void NormalCdf_is_half_at_zero_and_symmetric()
    {
        Assert.Equal(0.5, SpecialFunctions.NormalCdf(0), 15);
        for (double x = 0.1; x < 9; x += 0.5)
            AssertRelative(1.0 - SpecialFunctions.NormalCdf(-x), SpecialFunctions.NormalCdf(x), 1e-15, $"Phi({x})");
    }
}
