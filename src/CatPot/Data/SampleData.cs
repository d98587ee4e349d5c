namespace CatPot.Data;

/// <summary>
/// The built-in sample dataset, embedded in the assembly so training runs on a fresh machine without a
/// download: about 2,000 GFN2-xTB-labelled frames from the xtb4 training split (all four domains) plus
/// validation and test frames from other parents. Each stream is gzip-compressed ASE extended XYZ;
/// see <c>src/CatPot/Data/Sample/README.md</c> for provenance.
/// </summary>
public static class SampleData
{
    /// <summary>Resource name of the training frames.</summary>
    public const string TrainResource = "CatPot.Data.Sample.sample-train.extxyz.gz";

    /// <summary>Resource name of the validation frames.</summary>
    public const string ValidationResource = "CatPot.Data.Sample.sample-validation.extxyz.gz";

    /// <summary>Resource name of the test frames.</summary>
    public const string TestResource = "CatPot.Data.Sample.sample-test.extxyz.gz";

    /// <summary>Opens the gzip-compressed training frames (the caller disposes the stream).</summary>
    public static Stream OpenTrain() => Open(TrainResource);

    /// <summary>Opens the gzip-compressed validation frames (the caller disposes the stream).</summary>
    public static Stream OpenValidation() => Open(ValidationResource);

    /// <summary>Opens the gzip-compressed test frames (the caller disposes the stream).</summary>
    public static Stream OpenTest() => Open(TestResource);

    private static Stream Open(string name) =>
        typeof(SampleData).Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from {typeof(SampleData).Assembly.GetName().Name}; rebuild CatPot (the csproj embeds src/CatPot/Data/Sample/*.extxyz.gz).");
}
