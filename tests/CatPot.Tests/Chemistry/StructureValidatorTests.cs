using CatPot.Chemistry;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.Chemistry;

public class StructureValidatorTests
{
    // A cubic grid of n atoms with 1 Å spacing, in a shuffled (but fixed) order.
    private static double[] Grid(int n, int seed)
    {
        int side = (int)Math.Ceiling(Math.Cbrt(n));
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        var pos = new double[3 * n];
        for (int k = 0; k < n; k++)
        {
            int g = order[k];
            pos[3 * k] = g % side; pos[3 * k + 1] = g / side % side; pos[3 * k + 2] = g / (side * side);
        }
        return pos;
    }

    [Theory]
    [InlineData(500)]
    [InlineData(6000)]
    public void Finds_the_smallest_close_pair_in_small_and_large_frames(int n)
    {
        var pos = Grid(n, 3);
        Assert.False(StructureValidator.TryFindCloseContact(pos, 0.1, out _, out _, out _));
        // Two close pairs: (40, n-5) and (7, n-1); (7, n-1) is the one with the smallest first index.
        for (int d = 0; d < 3; d++) pos[3 * (n - 5) + d] = pos[3 * 40 + d] + (d == 0 ? 0.05 : 0);
        for (int d = 0; d < 3; d++) pos[3 * (n - 1) + d] = pos[3 * 7 + d] + (d == 2 ? 0.08 : 0);
        Assert.True(StructureValidator.TryFindCloseContact(pos, 0.1, out int i, out int j, out double dist));
        Assert.Equal((7, n - 1), (i, j));
        Assert.Equal(0.08, dist, 12);
    }

    [Fact]
    public void Validate_names_the_atoms_and_their_lines()
    {
        var s = new Structure([1, 1, 1], [0, 0, 0, 5, 0, 0, 5, 0.05, 0]);
        var e = Assert.Throws<StructureFormatException>(() => StructureValidator.Validate(s, "x.extxyz", 4, commentLine: 10, firstAtomLine: 11));
        Assert.Equal(4, e.FrameIndex);
        Assert.Equal(13, e.LineNumber);
        Assert.Contains("atoms 1 and 2 are 0.05 Å apart", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_rejects_bad_spin_energy_and_numbers_and_accepts_a_good_structure()
    {
        StructureValidator.Validate(new Structure([6], [0, 0, 0]) { Energy = -1 }, "ok", 0);
        Assert.Throws<StructureFormatException>(() => StructureValidator.Validate(new Structure([6], [0, 0, 0], spin: 0), "f", 0));
        Assert.Throws<StructureFormatException>(() => StructureValidator.Validate(new Structure([6], [0, 0, 0]) { Energy = double.PositiveInfinity }, "f", 0));
        Assert.Throws<StructureFormatException>(() => StructureValidator.Validate(new Structure([119], [0, 0, 0]), "f", 0));
        Assert.Throws<StructureFormatException>(() => StructureValidator.Validate(new Structure([6], [0, double.NaN, 0]), "f", 0));
    }
}
