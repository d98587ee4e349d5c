using System.Text.Json;
using System.Text.Json.Serialization;

namespace CatPot.Cli.DataInfo;

/// <summary>
/// The result of <c>catpot data info</c>; serialised as the stable <c>catpot.data-info/1</c> JSON schema
/// documented in docs/cli.md (snake_case keys; a statistic with no data is null).
/// </summary>
/// <param name="Schema">Always <see cref="SchemaName"/>.</param>
/// <param name="Files">Each input, in the order given.</param>
/// <param name="Frames">Frames in all inputs.</param>
/// <param name="Atoms">Atom counts over all frames.</param>
/// <param name="Elements">Per element present, by atomic number.</param>
/// <param name="Charges">Frames per total charge, by charge.</param>
/// <param name="Spins">Frames per spin multiplicity, by multiplicity.</param>
/// <param name="Domains">Per <c>domain</c> info value, by name; frames without one last with a null domain.</param>
/// <param name="Energy">Energy statistics over all labelled frames.</param>
/// <param name="Forces">Force statistics over all labelled frames.</param>
public sealed record DataInfoReport(
    string Schema,
    IReadOnlyList<DataInfoReport.FileEntry> Files,
    int Frames,
    DataInfoReport.AtomCounts Atoms,
    IReadOnlyList<DataInfoReport.ElementCount> Elements,
    IReadOnlyList<DataInfoReport.ValueCount> Charges,
    IReadOnlyList<DataInfoReport.ValueCount> Spins,
    IReadOnlyList<DataInfoReport.DomainSummary> Domains,
    DataInfoReport.EnergyStatistics Energy,
    DataInfoReport.ForceStatistics Forces)
{
    /// <summary>The schema identifier; the number changes only when a key is removed or changes meaning.</summary>
    public const string SchemaName = "catpot.data-info/1";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { CatPot.IO.NonFiniteJson.DoubleConverter, CatPot.IO.NonFiniteJson.SingleConverter }, // ±∞/NaN → null
    };

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>One input.</summary>
    /// <param name="Path">The path as given (or <c>sample:…</c>).</param>
    /// <param name="Format"><c>extxyz</c>, <c>aselmdb</c>, <c>aselmdb-directory</c> or <c>sample</c>.</param>
    /// <param name="Frames">Frames read from it.</param>
    public sealed record FileEntry(string Path, string Format, int Frames);

    /// <summary>Atoms: total and per frame.</summary>
    public sealed record AtomCounts(long Total, int? Min, double? Mean, int? Max);

    /// <summary>Minimum, mean and maximum of a quantity.</summary>
    public sealed record MinMeanMax(double? Min, double? Mean, double? Max);

    /// <summary>One element.</summary>
    /// <param name="Z">Atomic number.</param>
    /// <param name="Symbol">Element symbol.</param>
    /// <param name="Atoms">Atoms of this element in all frames.</param>
    /// <param name="Structures">Frames containing at least one such atom.</param>
    public sealed record ElementCount(int Z, string Symbol, long Atoms, int Structures);

    /// <summary>Frames having one value of an integer property (charge or spin).</summary>
    public sealed record ValueCount(int Value, int Structures);

    /// <summary>Energy labels (eV).</summary>
    /// <param name="Frames">Frames with an energy.</param>
    /// <param name="Total">Total energy.</param>
    /// <param name="PerAtom">Energy divided by the frame's atom count.</param>
    public sealed record EnergyStatistics(int Frames, MinMeanMax Total, MinMeanMax PerAtom);

    /// <summary>Force labels (eV/Å).</summary>
    /// <param name="Frames">Frames with forces.</param>
    /// <param name="Atoms">Atoms in those frames.</param>
    /// <param name="RmsComponent">Root mean square of all force components.</param>
    /// <param name="MeanAtomNorm">Mean over atoms of the per-atom force norm |F|.</param>
    /// <param name="MaxAtomNorm">Largest per-atom force norm.</param>
    public sealed record ForceStatistics(int Frames, long Atoms, double? RmsComponent, double? MeanAtomNorm, double? MaxAtomNorm);

    /// <summary>The frames of one domain.</summary>
    /// <param name="Domain">The <c>domain</c> info value, or null for frames without one.</param>
    /// <param name="Frames">Frames.</param>
    /// <param name="Atoms">Atom counts.</param>
    /// <param name="Energy">Energy statistics.</param>
    /// <param name="Forces">Force statistics.</param>
    public sealed record DomainSummary(string? Domain, int Frames, AtomCounts Atoms, EnergyStatistics Energy, ForceStatistics Forces);
}
