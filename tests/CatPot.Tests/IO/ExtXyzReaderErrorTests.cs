using System.Text;
using CatPot.IO;
using Xunit;

namespace CatPot.Tests.IO;

/// <summary>One test per kind of bad input: each must name the file, the frame and the line.</summary>
public class ExtXyzReaderErrorTests
{
    private const string Good = "2\nenergy=-1.0\nH 0 0 0\nH 0 0 0.74\n";
    private const string Forces = "Properties=species:S:1:pos:R:3:forces:R:3";

    private static StructureFormatException Fails(string text, int? frame, long? line, params string[] fragments) =>
        Fails(Encoding.UTF8.GetBytes(text), frame, line, fragments);

    private static StructureFormatException Fails(byte[] bytes, int? frame, long? line, params string[] fragments)
    {
        var e = Assert.Throws<StructureFormatException>(() =>
        {
            using var reader = new ExtXyzReader(new MemoryStream(bytes), "bad.extxyz");
            while (reader.TryRead(out _)) { }
        });
        Assert.Equal("bad.extxyz", e.FilePath);
        Assert.Equal(frame, e.FrameIndex);
        Assert.Equal(line, e.LineNumber);
        string prefix = "bad.extxyz" + (frame is null ? "" : $": frame {frame}") + (line is null ? "" : (frame is null ? ": " : ", ") + $"line {line}") + ": ";
        Assert.StartsWith(prefix, e.Message, StringComparison.Ordinal);
        foreach (var f in fragments) Assert.Contains(f, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void Count_line_that_is_not_an_integer() =>
        Fails(Good + "two\n\nH 0 0 0\n", 1, 5, "expected the atom count", "found 'two'");

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void Count_line_that_is_not_positive(string count) =>
        Fails($"{count}\n\n", 0, 1, "expected a positive atom count", $"found {count}");

    [Fact]
    public void Fewer_atom_lines_than_counted_at_end_of_file() =>
        Fails(Good + "3\n\nH 0 0 0\nH 0 0 1\n", 1, 9, "declares 3 atoms but only 2 atom lines follow");

    [Fact]
    public void Fewer_atom_lines_than_counted_before_the_next_frame() =>
        Fails("3\n\nH 0 0 0\nH 0 0 1\n" + Good, 0, 5, "expected 4 columns", "found 1", "count line of the next frame", "only 2 atom lines");

    [Fact]
    public void More_atom_lines_than_counted() =>
        Fails(Good + "1\n\nH 0 0 0\nH 0 0 1\n", 1, 8, "frame 1 has more atom lines than its count line (line 5) declares (1)", "found an atom line 'H 0 0 1'");

    [Fact]
    public void Row_with_the_wrong_number_of_columns() =>
        Fails(Good + $"2\n{Forces}\nH 0 0 0 0 0 0\nH 0 0 1 0 0\n", 1, 8,
            "expected 7 columns (Properties=species:S:1:pos:R:3:forces:R:3) but found 6");

    [Fact]
    public void Unparsable_number() =>
        Fails(Good + "1\n\nH 0 1.2.3 0\n", 1, 7, "expected a real number in column 'pos' but found '1.2.3'");

    [Fact]
    public void NaN_position() =>
        Fails("1\n\nH 0 NaN 0\n", 0, 3, "expected a finite number in column 'pos' but found 'NaN'");

    [Fact]
    public void Infinite_force() =>
        Fails($"1\n{Forces}\nH 0 0 0 0 -inf 0\n", 0, 3, "expected a finite number in column 'forces' but found '-inf'");

    [Fact]
    public void NaN_energy() =>
        Fails(Good + "1\nenergy=nan\nH 0 0 0\n", 1, 6, "expected a finite energy but found NaN");

    [Fact]
    public void Unknown_element_symbol() =>
        Fails("2\n\nH 0 0 0\nXx 0 0 1\n", 0, 4, "atom 1: expected an element symbol", "found 'Xx'");

    [Fact]
    public void Properties_without_a_position_column() =>
        Fails("1\nProperties=species:S:1:forces:R:3\nH 0 0 0\n", 0, 2, "expected a pos:R:3 position column in Properties=species:S:1:forces:R:3");

    [Fact]
    public void Fractional_charge() =>
        Fails("1\ncharge=0.5\nH 0 0 0\n", 0, 2, "expected an integer total charge for charge but found the fractional value 0.5");

    [Fact]
    public void Spin_multiplicity_below_one() =>
        Fails("1\nspin=0\nH 0 0 0\n", 0, 2, "expected a spin multiplicity 2S+1 ≥ 1 for spin but found 0");

    [Fact]
    public void Malformed_lattice() =>
        Fails("1\nLattice=\"1 0 0 0 1 0\"\nH 0 0 0\n", 0, 2, "malformed Lattice: expected 9 numbers", "found \"1 0 0 0 1 0\"");

    [Fact]
    public void Unterminated_quote() =>
        Fails(Good + "1\nenergy=-1 name=\"no end\nH 0 0 0\n", 1, 6, "malformed comment line: unterminated \"", "expected a closing \"");

    [Theory]
    [InlineData("")]
    [InlineData("\n  \n\n")]
    public void Empty_file(string text) =>
        Fails(text, null, null, "the file is empty");

    [Fact]
    public void Binary_garbage_with_NUL_bytes()
    {
        var bytes = new byte[] { 0x4c, 0x4d, 0x00, 0x00, 0x10, 0x20, 0x0a, 0x01 };
        Fails(bytes, 0, 1, "found a NUL byte", "binary data");
    }

    [Fact]
    public void Invalid_utf8()
    {
        var bytes = Encoding.UTF8.GetBytes(Good).Concat(new byte[] { 0x31, 0x0a, 0xff, 0xfe, 0x0a }).ToArray();
        Fails(bytes, 1, 6, "expected UTF-8 text but found an invalid byte sequence");
    }

    [Fact]
    public void Count_above_the_atom_limit_is_rejected_before_allocating() =>
        Fails(Good + "99999999999\n\nH 0 0 0\n", 1, 5, "expected at most 10000000 atoms per frame but the count line says 99999999999");

    [Fact]
    public void Count_larger_than_the_rest_of_the_file_can_hold() =>
        Fails(Good + "5000000\n\nH 0 0 0\n", 1, 5, "declares 5000000 atoms", "the count line is corrupt");

    [Fact]
    public void Two_atoms_closer_than_a_tenth_of_an_angstrom() =>
        Fails(Good + "3\n\nO 0 0 0\nH 0 0.96 0\nH 0.01 0.98 0.02\n", 1, 9, "atoms 1 and 2 are 0.03 Å apart", "closer than 0.1 Å");

    [Fact]
    public void ReadAll_throws_instead_of_returning_the_good_frames()
    {
        string path = Path.Combine(Path.GetTempPath(), $"catpot-bad-{Guid.NewGuid():N}.extxyz");
        try
        {
            File.WriteAllText(path, Good + Good + "1\n\nQq 0 0 0\n");
            var e = Assert.Throws<StructureFormatException>(() => ExtXyzReader.ReadAll(path));
            Assert.Equal(2, e.FrameIndex);
            Assert.Equal(path, e.FilePath);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
