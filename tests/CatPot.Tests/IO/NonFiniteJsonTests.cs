using System.Text.Json;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.IO;

public class NonFiniteJsonTests
{
    private sealed record Sample(double A, double? B, double[] C, float D);

    [Fact]
    public void Infinities_and_NaN_are_written_as_null_and_read_back()
    {
        var options = NonFiniteJson.Apply(new JsonSerializerOptions());
        string json = JsonSerializer.Serialize(new Sample(double.PositiveInfinity, double.NaN, [1.5, double.NegativeInfinity], float.PositiveInfinity), options);

        Assert.Equal("""{"A":null,"B":null,"C":[1.5,null],"D":null}""", json);
        var back = JsonSerializer.Deserialize<Sample>(json, options)!;
        Assert.True(double.IsNaN(back.A));
        Assert.Null(back.B);
        Assert.Equal(1.5, back.C[0]);
        Assert.True(double.IsNaN(back.C[1]));
        Assert.Equal("null", NonFiniteJson.Format(double.NaN));
        Assert.Equal("0.1", NonFiniteJson.Format(0.1));
    }

    [Fact]
    public void An_evaluation_report_with_an_overflowing_energy_serialises()
    {
        // What `eval --json` prints for a model whose energies overflow: valid JSON, the statistic null.
        var report = new CatPot.Evaluation.EvaluationReport
        {
            Overall = new CatPot.Evaluation.GroupMetrics { Group = "all", Structures = 1, EnergyMae = double.PositiveInfinity, EnergyMaePerAtom = double.NaN, EnergyRmse = double.PositiveInfinity },
            Domains = [],
        };
        using var doc = JsonDocument.Parse(report.ToJson());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("overall").GetProperty("energy_mae").ValueKind);
    }
}
