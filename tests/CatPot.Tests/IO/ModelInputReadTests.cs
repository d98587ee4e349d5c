using CatPot.Chemistry;
using CatPot.IO;
using CatPot.Models;
using Xunit;

namespace CatPot.Tests.IO;

/// <summary>
/// Issue 14 items 5, 7, 9 and 11 on the reading side: frames the model cannot evaluate are refused at read time with
/// file, frame and line; training frames need energies; units convert; ASE's VEC cell lines and pbc words read.
/// </summary>
public class ModelInputReadTests
{
    private const string Water = "O 0 0 0.1\nH 0.76 0 -0.47\nH -0.76 0 -0.47\n";

    private static string Frame(string comment, string atoms = Water) =>
        $"{atoms.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length}\n{comment}\n{atoms}";

    private static StructureFormatException Refused(string text, ExtXyzReaderOptions options) =>
        Assert.Throws<StructureFormatException>(() => ExtXyzFixtures.ReadText(text, "in.extxyz", options));

    [Fact]
    public void ModelContract_MatchesTheValidatorsBounds()
    {
        Assert.Equal(ModelContract.AtomicNumberRows, StructureValidator.ModelMaxAtomicNumber + 1);
        Assert.Equal(ModelContract.ChargeRows, 2 * StructureValidator.ModelMaxAbsCharge + 1);
        Assert.Equal(ModelContract.SpinRows, StructureValidator.ModelMaxSpin);
    }

    [Fact]
    public void ElementBeyondZ100_IsRefusedForTheModel_NamingFrameAndAtomLine()
    {
        string text = Frame("energy=-1.0") + Frame("energy=-2.0", "O 0 0 0\nOg 0 0 1.5\n");
        Assert.Equal(2, ExtXyzFixtures.ReadText(text).Count); // data info still reads it
        var e = Refused(text, ExtXyzReaderOptions.ForModel);
        Assert.Equal(1, e.FrameIndex);
        Assert.Equal(9, e.LineNumber); // 5 lines of frame 0, then count, comment, O, and Og on line 9
        Assert.Contains("Og (Z = 118)", e.Message);
        Assert.Contains("Z = 1..100", e.Message);
    }

    [Theory]
    [InlineData("charge=11", "total charge 11")]
    [InlineData("charge=-11", "total charge -11")]
    [InlineData("spin=12", "spin multiplicity 12")]
    [InlineData("Lattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"T F F\"", "periodic")]
    [InlineData("Lattice=\"5 0 0 0 5 0 0 0 5\"", "periodic")]
    public void ChargeSpinAndPeriodicity_OutsideTheModel_AreRefusedAtTheCommentLine(string comment, string expected)
    {
        string text = Frame(comment);
        Assert.Single(ExtXyzFixtures.ReadText(text));
        var e = Refused(text, ExtXyzReaderOptions.ForModel);
        Assert.Equal(0, e.FrameIndex);
        Assert.Equal(2, e.LineNumber);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ACellWithoutPeriodicity_IsAccepted()
    {
        var s = Assert.Single(ExtXyzFixtures.ReadText(Frame("Lattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"F F F\" charge=10 spin=11"), "in.extxyz", ExtXyzReaderOptions.ForModel));
        Assert.Equal(10, s.Charge);
        Assert.Equal(11, s.Spin);
    }

    [Fact]
    public void TrainingFrameWithoutEnergy_NamesFileFrameAndLine()
    {
        string text = Frame("energy=-1.0") + Frame("config=x");
        Assert.Equal(2, ExtXyzFixtures.ReadText(text, "in.extxyz", ExtXyzReaderOptions.ForModel).Count);
        var e = Refused(text, ExtXyzReaderOptions.ForTraining);
        Assert.StartsWith("in.extxyz: frame 1, line 7:", e.Message);
        Assert.Contains("energy", e.Message);
    }

    [Fact]
    public void AseDatabaseRows_AreCheckedForTheModelToo()
    {
        string db = Path.Combine(Path.GetDirectoryName(ExtXyzFixtures.Dir)!, "ase_write", "rows.db");
        Assert.Equal(5, StructureFiles.ReadAll(db).Count);
        var e = Assert.Throws<StructureFormatException>(() => StructureFiles.ReadAll(db, ExtXyzReaderOptions.ForModel));
        Assert.Equal(2, e.FrameIndex);
        Assert.Contains("row id 3", e.Message);
        Assert.Contains("periodic", e.Message);
        var json = Path.ChangeExtension(db, ".json");
        var f = Assert.Throws<StructureFormatException>(() => StructureFiles.ReadAll(json, ExtXyzReaderOptions.ForTraining));
        Assert.Equal(2, f.FrameIndex); // row 3 has no energy and is periodic: periodicity is reported first
    }

    [Theory]
    [InlineData("pbc=\"True false T\"", true, false, true)]
    [InlineData("pbc=\"TRUE FALSE t\"", true, false, true)]
    [InlineData("pbc=\"true\"", true, true, true)]
    [InlineData("pbc=\"1 0 1\"", true, false, true)]
    [InlineData("pbc=\"[T, F, T]\"", true, false, true)]
    [InlineData("pbc=\"f F false\"", false, false, false)]
    public void PbcWords_InAnyCase_ReadAsCurrentAseReadsThem(string pbc, bool a, bool b, bool c)
    {
        var s = Assert.Single(ExtXyzFixtures.ReadText(Frame("Lattice=\"5 0 0 0 5 0 0 0 5\" " + pbc)));
        Assert.Equal(new[] { a, b, c }, s.Pbc);
    }

    [Fact]
    public void PbcWithAWordThatIsNotAFlag_IsAFormatError()
    {
        var e = Assert.Throws<StructureFormatException>(() => ExtXyzFixtures.ReadText(Frame("Lattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"T maybe F\"")));
        Assert.Contains("pbc", e.Message);
    }

    [Fact]
    public void VecLines_SetTheCellAndPeriodicity_AndTheNextFrameStillReads()
    {
        string text = Frame("energy=-1") + "VEC1 5 0 0\nVEC2 0 6 0\nVEC3 0 0 7\n" + Frame("energy=-2");
        var frames = ExtXyzFixtures.ReadText(text);
        Assert.Equal(2, frames.Count);
        Assert.Equal(new double[] { 5, 0, 0, 0, 6, 0, 0, 0, 7 }, frames[0].Cell);
        Assert.Equal(new[] { true, true, true }, frames[0].Pbc);
        Assert.Null(frames[1].Cell);
        Assert.Equal(-2.0, frames[1].Energy);
    }

    [Theory]
    [InlineData("VEC2 5 0 0\n", "expected the cell-vector line VEC1", 6)]
    [InlineData("VEC1 5 0\n", "three numbers", 6)]
    [InlineData("VEC1 5 x 0\n", "finite number in VEC1", 6)]
    [InlineData("VEC1 5 0 0\nVEC2 0 5 0\nVEC3 0 0 5\nVEC4 1 1 1\n", "at most three", 9)]
    public void MalformedVecLines_AreFormatErrorsAtTheirLine(string vec, string expected, long line)
    {
        var e = Assert.Throws<StructureFormatException>(() => ExtXyzFixtures.ReadText(Frame("energy=-1") + vec));
        Assert.Equal(0, e.FrameIndex);
        Assert.Equal(line, e.LineNumber);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ExtraAtomLineAfterAFrame_IsStillReportedAsTooManyAtomLines()
    {
        var e = Assert.Throws<StructureFormatException>(() => ExtXyzFixtures.ReadText(Frame("a=1") + "H 0 0 3\n" + Frame("a=2")));
        Assert.Contains("more atom lines than its count line", e.Message);
        Assert.Equal(6, e.LineNumber);
    }

    [Fact]
    public void EnergyAndForceUnits_AreConvertedOnReading()
    {
        string text = Frame("energy=-1000.0", "O 0 0 0.1 1 0 0\nH 0.76 0 -0.47 0 2 0\nH -0.76 0 -0.47 0 0 3\n").Replace("energy=", "Properties=species:S:1:pos:R:3:forces:R:3 energy=", StringComparison.Ordinal);
        Assert.True(LabelUnit.TryParseEnergy("kcal/mol", out var kcal));
        Assert.True(LabelUnit.TryParseForce("Ha/Bohr", out var haBohr));
        var s = Assert.Single(ExtXyzFixtures.ReadText(text, "in.extxyz", ExtXyzReaderOptions.Default with { EnergyUnit = kcal, ForceUnit = haBohr }));
        Assert.Equal(-1000.0 * 0.0433641043, s.Energy!.Value, 6);
        Assert.Equal(27.211386245988 / 0.529177210903, s.Forces![0], 9);
        Assert.Equal(3 * 27.211386245988 / 0.529177210903, s.Forces[8], 9);
    }

    [Fact]
    public void UnknownUnitNames_AreNotParsed()
    {
        Assert.False(LabelUnit.TryParseEnergy("furlongs", out _));
        Assert.True(LabelUnit.TryParseEnergy("Hartree", out var h));
        Assert.Equal("hartree", h.Name);
        Assert.True(LabelUnit.TryParseForce("kcal/mol/Å", out var k));
        Assert.Equal("kcal/mol/ang", k.Name);
    }
}
