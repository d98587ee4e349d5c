using CatPot.Chemistry;
using CatPot.IO;

namespace CatPot.Experiments;

/// <summary>The structures one grid uses, shared by all its runs.</summary>
public sealed class ExperimentData
{
    /// <summary>Creates the data from lists already in memory.</summary>
    public ExperimentData(IReadOnlyList<Structure> train, IReadOnlyList<Structure> validation, IReadOnlyList<Structure> test, IReadOnlyList<Structure>? ood = null)
    {
        Train = train;
        Validation = validation;
        Test = test;
        Ood = ood ?? [];
    }

    /// <summary>Training structures.</summary>
    public IReadOnlyList<Structure> Train { get; }

    /// <summary>Validation structures.</summary>
    public IReadOnlyList<Structure> Validation { get; }

    /// <summary>Test structures (must be labelled).</summary>
    public IReadOnlyList<Structure> Test { get; }

    /// <summary>Out-of-domain structures (may be unlabelled); empty when none were given.</summary>
    public IReadOnlyList<Structure> Ood { get; }

    /// <summary>Reads the grid's files and keeps the evenly spaced subsets its max_* limits ask for.</summary>
    /// <exception cref="StructurePathException">A path does not exist or is not a recognised format.</exception>
    /// <exception cref="StructureFormatException">A frame is malformed.</exception>
    /// <exception cref="ExperimentGridException">The test set has no labelled structure.</exception>
    public static ExperimentData Load(ExperimentGrid grid)
    {
        var train = EvenlySpaced(StructureFiles.ReadAll(grid.Train, ExtXyzReaderOptions.ForTraining), grid.MaxTrain);
        var val = EvenlySpaced(StructureFiles.ReadAll(grid.Val, ExtXyzReaderOptions.ForTraining), grid.MaxVal);
        var test = EvenlySpaced(StructureFiles.ReadAll(grid.Test, ExtXyzReaderOptions.ForModel), grid.MaxTest).Where(s => s.Energy is not null).ToList();
        if (test.Count == 0) throw new ExperimentGridException(grid.Test, "no test structure has a reference energy; the experiment needs a labelled test set.");
        var ood = grid.Ood is null ? null : StructureFiles.ReadAll(grid.Ood, ExtXyzReaderOptions.ForModel);
        return new ExperimentData(train, val, test, ood);
    }

    /// <summary>
    /// At most <paramref name="max"/> items, evenly spaced through the list (index ⌊i·n/max⌋), so every part of a file
    /// ordered by domain or parent stays represented; the whole list when <paramref name="max"/> is null or large enough.
    /// </summary>
    public static List<T> EvenlySpaced<T>(IReadOnlyList<T> items, int? max)
    {
        if (max is not int m || m >= items.Count) return [.. items];
        var picked = new List<T>(m);
        for (int i = 0; i < m; i++) picked.Add(items[(int)((long)i * items.Count / m)]);
        return picked;
    }
}
