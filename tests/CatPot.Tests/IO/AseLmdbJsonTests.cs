using System.Text;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.IO;

public class AseLmdbJsonTests
{
    private static CatPot.Chemistry.Structure Decode(string json) => AseJsonRowDecoder.Decode(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void BareNonFiniteTokens_AreRewritten_ButNotInsideStrings()
    {
        var s = Decode("""
            {"numbers": [1], "positions": [[0, 0, 0]],
             "data": {"a": NaN, "b": Infinity, "c": -Infinity, "text": "NaN \" Infinity", "list": [1.5, NaN]}}
            """);
        Assert.True(double.IsNaN((double)s.Info["a"]));
        Assert.Equal(double.PositiveInfinity, s.Info["b"]);
        Assert.Equal(double.NegativeInfinity, s.Info["c"]);
        Assert.Equal("NaN \" Infinity", s.Info["text"]);
        var list = Assert.IsType<double[]>(s.Info["list"]);
        Assert.Equal(1.5, list[0]);
        Assert.True(double.IsNaN(list[1]));
    }

    [Fact]
    public void NdarrayAndNestedListEncodings_DecodeToTheSameStructure()
    {
        var modern = Decode("""
            {"numbers": {"__ndarray__": [[2], "int64", [8, 1]]},
             "positions": {"__ndarray__": [[2, 3], "float64", [0.0, 0.1, 0.2, 1.0, 1.1, 1.2]]},
             "forces": {"__ndarray__": [[2, 3], "float64", [1, 2, 3, 4, 5, 6]]}, "energy": -3.5,
             "pbc": {"__ndarray__": [[3], "bool", [false, true, false]]}}
            """);
        var legacy = Decode("""
            {"numbers": [8, 1], "positions": [[0.0, 0.1, 0.2], [1.0, 1.1, 1.2]],
             "forces": [[1, 2, 3], [4, 5, 6]], "energy": -3.5, "pbc": [false, true, false]}
            """);
        foreach (var s in new[] { modern, legacy })
        {
            Assert.Equal([8, 1], s.Numbers);
            Assert.Equal([0.0, 0.1, 0.2, 1.0, 1.1, 1.2], s.Positions);
            Assert.Equal([1.0, 2, 3, 4, 5, 6], s.Forces!);
            Assert.Equal(-3.5, s.Energy);
            Assert.Equal([false, true, false], s.Pbc);
            Assert.Null(s.Cell);
        }
    }

    [Theory]
    [InlineData("""{"numbers": [0], "positions": [[0, 0, 0]]}""", "atomic number 0")]
    [InlineData("""{"numbers": [119], "positions": [[0, 0, 0]]}""", "atomic number 119")]
    [InlineData("""{"numbers": [1, 1], "positions": [[0, 0, 0]]}""", "2 atoms need [2, 3]")]
    [InlineData("""{"numbers": [1], "positions": [[0, NaN, 0]]}""", "expected a finite number")]
    [InlineData("""{"numbers": [1], "positions": [[0, 0, 0]], "forces": [[0, 0]]}""", "'forces' has shape [1, 2]")]
    [InlineData("""{"numbers": [1], "positions": [[0, 0, 0]], "energy": NaN}""", "'energy' is NaN")]
    [InlineData("""{"numbers": [1], "positions": [[0, 0, 0]], "data": {"spin": 0}}""", "spin is 0")]
    [InlineData("""{"numbers": [1], "positions": [[0, 0, 0], [1, 1]]}""", "ragged")]
    [InlineData("""{"numbers": {"__ndarray__": [[2], "int64", [1]]}, "positions": []}""", "needs 2 values")]
    [InlineData("""{"positions": [[0, 0, 0]]}""", "no 'numbers' entry")]
    public void InvalidRows_AreRejectedWithSpecificMessages(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Decode(json));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
