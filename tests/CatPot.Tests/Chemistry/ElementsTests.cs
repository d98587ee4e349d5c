using CatPot.Chemistry;
using Xunit;

namespace CatPot.Tests.Chemistry;

public class ElementsTests
{
    [Theory]
    [InlineData(1, 1.008)]
    [InlineData(6, 12.011)]
    [InlineData(8, 15.999)]
    [InlineData(26, 55.845)]
    [InlineData(92, 238.02891)]
    public void Mass_is_the_IUPAC_standard_atomic_weight(int z, double amu) => Assert.Equal(amu, Elements.Mass(z));

    [Theory]
    [InlineData(1, 0.31)]
    [InlineData(6, 0.76)]
    [InlineData(26, 1.32)]
    [InlineData(96, 1.69)]
    public void CovalentRadius_follows_Cordero_2008(int z, double radius) => Assert.Equal(radius, Elements.CovalentRadius(z));

    [Fact]
    public void Every_element_has_a_positive_mass_and_radius_and_heavy_elements_use_the_fallback_radius()
    {
        for (int z = 1; z <= Elements.MaxAtomicNumber; z++)
        {
            Assert.True(Elements.Mass(z) > Elements.Mass(1) - 1e-12 && Elements.Mass(z) < 300, $"Z={z}");
            Assert.True(Elements.CovalentRadius(z) is > 0.2 and < 3.0, $"Z={z}");
        }
        for (int z = 97; z <= 118; z++) Assert.Equal(Elements.FallbackCovalentRadius, Elements.CovalentRadius(z));
        Assert.Equal(294.214, Elements.Mass(118));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(119)]
    public void Out_of_range_atomic_numbers_throw(int z)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Elements.Mass(z));
        Assert.Throws<ArgumentOutOfRangeException>(() => Elements.CovalentRadius(z));
    }

    [Fact]
    public void Span_lookup_is_case_insensitive_and_agrees_with_the_string_lookup()
    {
        for (int z = 1; z <= Elements.MaxAtomicNumber; z++)
        {
            string s = Elements.Symbol(z);
            Assert.True(Elements.TryGetAtomicNumber(s.ToUpperInvariant().AsSpan(), out int fromSpan));
            Assert.True(Elements.TryGetAtomicNumber(s.ToLowerInvariant(), out int fromString));
            Assert.Equal(z, fromSpan);
            Assert.Equal(z, fromString);
        }
        Assert.False(Elements.TryGetAtomicNumber("Xx".AsSpan(), out _));
    }
}
