using CatPot.Chemistry;
using CatPot.IO;

namespace CatPot.Cli.DataInfo;

/// <summary>
/// Accumulates everything <c>catpot data info</c> reports — sizes, elements, charge and spin histograms,
/// domains, energy and force statistics — over the frames of one or more files, one frame at a time.
/// </summary>
public sealed class DatasetSummary
{
    private readonly FrameGroupStatistics _all = new();
    private readonly SortedDictionary<string, FrameGroupStatistics> _domains = new(StringComparer.Ordinal);
    private readonly FrameGroupStatistics _noDomain = new();
    private readonly long[] _elementAtoms = new long[Elements.MaxAtomicNumber + 1];
    private readonly int[] _elementFrames = new int[Elements.MaxAtomicNumber + 1];
    // The last frame (1-based running count) that counted each element, so a frame counts an element once.
    private readonly int[] _elementSeenInFrame = new int[Elements.MaxAtomicNumber + 1];
    private readonly SortedDictionary<int, int> _charges = [];
    private readonly SortedDictionary<int, int> _spins = [];
    private readonly List<DataInfoReport.FileEntry> _files = [];
    private readonly LabelUnitCheck _units = new();
    private readonly Dictionary<string, DataInfoReport.ModelInputProblem> _problems = new(StringComparer.Ordinal);

    /// <summary>Adds one frame; <paramref name="file"/> and <paramref name="frameInFile"/> locate it in reports of problems.</summary>
    public void Add(Structure structure, string file = "", int frameInFile = -1)
    {
        _units.Add(structure);
        if (StructureValidator.FindModelInputProblem(structure, out _) is { } detail)
        {
            string problem = structure.Numbers.Any(z => z > StructureValidator.ModelMaxAtomicNumber) ? "element_beyond_z100"
                : structure.Charge is < -StructureValidator.ModelMaxAbsCharge or > StructureValidator.ModelMaxAbsCharge ? "charge_outside_10"
                : structure.Spin > StructureValidator.ModelMaxSpin ? "spin_above_11"
                : "periodic";
            _problems[problem] = _problems.TryGetValue(problem, out var seen)
                ? seen with { Frames = seen.Frames + 1 }
                : new DataInfoReport.ModelInputProblem(problem, 1, file, frameInFile, detail);
        }

        _all.Add(structure);
        int frame = _all.Frames;
        foreach (int z in structure.Numbers)
        {
            _elementAtoms[z]++;
            if (_elementSeenInFrame[z] != frame)
            {
                _elementSeenInFrame[z] = frame;
                _elementFrames[z]++;
            }
        }
        _charges[structure.Charge] = _charges.GetValueOrDefault(structure.Charge) + 1;
        _spins[structure.Spin] = _spins.GetValueOrDefault(structure.Spin) + 1;

        if (structure.Domain is { } domain)
        {
            if (!_domains.TryGetValue(domain, out var group))
                _domains[domain] = group = new FrameGroupStatistics();
            group.Add(structure);
        }
        else
        {
            _noDomain.Add(structure);
        }
    }

    /// <summary>Records that a file has been read completely, with how many frames it held.</summary>
    public void AddFile(string path, StructureFileFormat format, int frames) =>
        _files.Add(new(path, FormatName(format), frames));

    /// <summary>Frames added so far.</summary>
    public int Frames => _all.Frames;

    /// <summary>The report in its stable JSON shape (see docs/cli.md).</summary>
    public DataInfoReport ToReport()
    {
        var elements = new List<DataInfoReport.ElementCount>();
        for (int z = 1; z <= Elements.MaxAtomicNumber; z++)
            if (_elementAtoms[z] > 0)
                elements.Add(new(z, Elements.Symbol(z), _elementAtoms[z], _elementFrames[z]));

        var domains = _domains.Select(d => Group(d.Key, d.Value)).ToList();
        if (_noDomain.Frames > 0)
            domains.Add(Group(null, _noDomain));

        return new DataInfoReport(
            DataInfoReport.SchemaName,
            [.. _files],
            _all.Frames,
            _all.AtomCounts(),
            elements,
            [.. _charges.Select(c => new DataInfoReport.ValueCount(c.Key, c.Value))],
            [.. _spins.Select(c => new DataInfoReport.ValueCount(c.Key, c.Value))],
            domains,
            _all.EnergyStatistics(),
            _all.ForceStatistics(),
            [.. _problems.Values.OrderBy(p => p.Problem, StringComparer.Ordinal)],
            _units.Warnings());
    }

    private static DataInfoReport.DomainSummary Group(string? name, FrameGroupStatistics group) =>
        new(name, group.Frames, group.AtomCounts(), group.EnergyStatistics(), group.ForceStatistics());

    /// <summary>The name a format has in reports.</summary>
    public static string FormatName(StructureFileFormat format) => format switch
    {
        StructureFileFormat.ExtXyz => "extxyz",
        StructureFileFormat.AseLmdb => "aselmdb",
        StructureFileFormat.AseLmdbDirectory => "aselmdb-directory",
        StructureFileFormat.AseSqlite => "ase-db-sqlite",
        StructureFileFormat.AseJson => "ase-db-json",
        StructureFileFormat.Sample => "sample",
        _ => format.ToString(),
    };
}
