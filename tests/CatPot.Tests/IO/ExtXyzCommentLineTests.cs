using CatPot.IO;
using Xunit;

namespace CatPot.Tests.IO;

public class ExtXyzCommentLineTests
{
    private static Dictionary<string, object> Parse(string line) =>
        ExtXyzCommentLine.Parse(line).ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void Scalars_are_typed_int_then_float_then_bool_then_string()
    {
        var d = Parse("a=7 b=-2.5 c=1e-3 d=T e=F f=True g=False h=hello i=nan");
        Assert.Equal(7L, d["a"]);
        Assert.Equal(-2.5, d["b"]);
        Assert.Equal(1e-3, d["c"]);
        Assert.Equal(true, d["d"]);
        Assert.Equal(false, d["e"]);
        Assert.Equal(true, d["f"]);
        Assert.Equal(false, d["g"]);
        Assert.Equal("hello", d["h"]);
        Assert.True(double.IsNaN((double)d["i"]));
    }

    [Fact]
    public void Quotes_braces_and_brackets_delimit_values()
    {
        var d = Parse("s=\"two words\" t='single q' u={1 2 3} v=[0.5, 1.5] w=\"T F T\"");
        Assert.Equal("two words", d["s"]);
        Assert.Equal("single q", d["t"]);
        Assert.Equal(new long[] { 1, 2, 3 }, d["u"]);
        Assert.Equal(new[] { 0.5, 1.5 }, d["v"]);
        Assert.Equal(new[] { true, false, true }, d["w"]);
    }

    [Fact]
    public void Mixed_int_and_float_array_becomes_float_array()
    {
        Assert.Equal(new[] { 1.0, 2.5, 3.0 }, Parse("x=\"1 2.5 3\"")["x"]);
    }

    [Fact]
    public void Backslash_escapes_the_next_character()
    {
        var d = Parse(@"q=""say \""hi\"""" p=a\ b r=""back\\slash""");
        Assert.Equal("say \"hi\"", d["q"]);
        Assert.Equal("a b", d["p"]);
        Assert.Equal(@"back\slash", d["r"]);
    }

    [Fact]
    public void Bare_keys_are_true_and_spaces_around_equals_are_allowed()
    {
        var d = Parse("have_energy cutoff = 3.4 flag");
        Assert.Equal(true, d["have_energy"]);
        Assert.Equal(3.4, d["cutoff"]);
        Assert.Equal(true, d["flag"]);
        Assert.Equal(3, d.Count);
    }

    [Fact]
    public void Empty_values_and_equals_inside_values_survive()
    {
        var d = Parse("a=\"\" b=x=y c=");
        Assert.Equal("", d["a"]);
        Assert.Equal("x=y", d["b"]);
        Assert.Equal("", d["c"]);
    }

    [Fact]
    public void Json_values_are_decoded()
    {
        var d = Parse("j=\"_JSON [\\\"a\\\", \\\"b c\\\"]\" k=\"_JSON {\\\"x\\\": 1}\"");
        Assert.Equal(new[] { "a", "b c" }, d["j"]);
        // Objects (ASE's dict-valued info) are kept as the JSON value.
        Assert.True(System.Text.Json.JsonElement.DeepEquals(System.Text.Json.JsonDocument.Parse("{\"x\": 1}").RootElement, Assert.IsType<System.Text.Json.JsonElement>(d["k"])));
    }

    [Fact]
    public void Unterminated_quote_is_a_format_error_naming_the_column()
    {
        var e = Assert.Throws<FormatException>(() => ExtXyzCommentLine.Parse("a=1 name=\"open ended"));
        Assert.Contains("unterminated \"", e.Message, StringComparison.Ordinal);
        Assert.Contains("column 10", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_written_by_the_writer_parse_back_to_the_same_values()
    {
        var original = new Dictionary<string, object>
        {
            ["s"] = "with \"quotes\", {braces} and \\ backslash",
            ["e"] = "",
            ["l"] = -12L,
            ["d"] = 1.0 / 3.0,
            ["whole"] = 2.0,
            ["tiny"] = 1e-300,
            ["b"] = true,
            ["la"] = new long[] { 4, 5 },
            ["da"] = new[] { 0.1, -2.0 },
            ["ba"] = new[] { false, true },
            ["sa"] = new[] { "x", "y z" },
        };
        var sb = new System.Text.StringBuilder();
        foreach (var (k, v) in original) { ExtXyzCommentLine.AppendPair(sb, k, v); sb.Append(' '); }
        var back = Parse(sb.ToString());
        Assert.Equal(original.Keys, back.Keys);
        foreach (var (k, v) in original) Assert.Equal(v, back[k]);
        Assert.IsType<double>(back["whole"]);
    }
}
