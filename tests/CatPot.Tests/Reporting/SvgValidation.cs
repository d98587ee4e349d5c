using System.Xml.Linq;
using Xunit;

namespace CatPot.Tests.Reporting;

/// <summary>Checks an SVG document: well-formed XML, an svg root with width, height and viewBox, and data marks.</summary>
internal static class SvgValidation
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    public static XDocument AssertValid(string svg, int minimumMarks = 1)
    {
        var doc = XDocument.Parse(svg);
        var root = doc.Root!;
        Assert.Equal(Svg + "svg", root.Name);
        foreach (var a in new[] { "width", "height", "viewBox" }) Assert.NotNull(root.Attribute(a));
        var box = root.Attribute("viewBox")!.Value.Split(' ').Select(double.Parse).ToArray();
        Assert.Equal(4, box.Length);
        Assert.True(box[2] > 0 && box[3] > 0);
        int marks = doc.Descendants().Count(e => (string?)e.Attribute("class") == "mark");
        Assert.True(marks >= minimumMarks, $"expected at least {minimumMarks} data marks, found {marks}");
        return doc;
    }
}
