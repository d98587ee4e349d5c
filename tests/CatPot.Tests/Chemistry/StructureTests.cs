using CatPot.Chemistry;
using Xunit;

namespace CatPot.Tests.Chemistry;

public class StructureTests
{
    [Fact]
    public void Clone_is_a_deep_copy()
    {
        var s = new Structure([8, 1], [0, 0, 0, 0, 0, 1], charge: -1, spin: 2)
        {
            Cell = [10, 0, 0, 0, 10, 0, 0, 0, 10],
            Pbc = [true, true, false],
            Energy = -5.5,
            Forces = [1, 2, 3, 4, 5, 6],
        };
        s.Info["domain"] = "test";
        s.Info["arr"] = new long[] { 1, 2 };
        s.PerAtom["q"] = new PerAtomColumn(new[] { 0.5, -0.5 }, 1);

        var c = s.Clone();
        c.Positions[0] = 9; c.Numbers[0] = 6; c.Cell![0] = 1; c.Pbc[2] = true; c.Forces![0] = 0;
        ((long[])c.Info["arr"])[0] = 7; ((double[])c.PerAtom["q"].Values)[0] = 3; c.Info["domain"] = "other";

        Assert.Equal(0, s.Positions[0]);
        Assert.Equal(8, s.Numbers[0]);
        Assert.Equal(10, s.Cell[0]);
        Assert.False(s.Pbc[2]);
        Assert.Equal(1, s.Forces[0]);
        Assert.Equal(1L, ((long[])s.Info["arr"])[0]);
        Assert.Equal(0.5, ((double[])s.PerAtom["q"].Values)[0]);
        Assert.Equal("test", s.Domain);
        Assert.Equal((-1, 2, -5.5), (c.Charge, c.Spin, c.Energy!.Value));
    }
}
