namespace CatPot.Reporting;

/// <summary>Colour-blind-safe categorical colours (Okabe–Ito order), cycled by series index.</summary>
public static class ChartPalette
{
    /// <summary>The colours.</summary>
    public static IReadOnlyList<string> Colors { get; } = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

    /// <summary>The colour of series number <paramref name="index"/>.</summary>
    public static string At(int index) => Colors[((index % Colors.Count) + Colors.Count) % Colors.Count];
}
