using CatPot.Chemistry;
using CatPot.IO;

namespace CatPot.ActiveLearning;

/// <summary>
/// The growing labelled dataset, <c>dataset.extxyz</c>. Every frame carries its provenance in info keys:
/// <c>al_id</c>, <c>al_round</c> (the round whose model selected it; −1 for the initial set), <c>al_trajectory</c>,
/// <c>al_step</c>, <c>al_temperature</c>, <c>al_uncertainty</c> (score at selection), <c>al_split</c>
/// (<c>train</c> or <c>val</c>) and <c>method</c>. Each append rewrites the file atomically (temporary file, then
/// rename), so a crash leaves either the old or the new file, never a torn frame.
/// </summary>
public sealed class LearnDataset
{
    /// <summary>File name inside the run directory.</summary>
    public const string FileName = "dataset.extxyz";

    private readonly string _path;
    private readonly List<Structure> _frames;
    private readonly HashSet<string> _ids;

    /// <summary>Opens the dataset in <paramref name="directory"/> (empty when the file does not exist yet).</summary>
    public LearnDataset(string directory)
    {
        _path = Path.Combine(directory, FileName);
        _frames = File.Exists(_path) ? ExtXyzReader.ReadAll(_path) : [];
        _ids = [.. _frames.Select(Id)];
    }

    /// <summary>True when the file exists (the initial set has been written).</summary>
    public bool Exists => File.Exists(_path);

    /// <summary>All frames, in the order they were labelled.</summary>
    public IReadOnlyList<Structure> Frames => _frames;

    /// <summary>Whether a frame with this id is in the dataset.</summary>
    public bool Contains(string id) => _ids.Contains(id);

    /// <summary>Frames added by active learning (not the initial set).</summary>
    public int SelectedCount => _frames.Count(f => Round(f) >= 0);

    /// <summary>Training frames for the model of round <paramref name="round"/>: everything selected before it.</summary>
    public List<Structure> Split(string split, int round) =>
        [.. _frames.Where(f => Round(f) < round && (f.Info.TryGetValue("al_split", out var s) ? (string)s : "train") == split)];

    /// <summary>The split a new frame gets: one in ten is validation (the 5th, 15th, …), so every set of 5+ frames has one.</summary>
    public string NextSplit(int offset = 0) => (_frames.Count + offset) % 10 == 4 ? "val" : "train";

    /// <summary>Appends frames and rewrites the file atomically.</summary>
    public void Append(params Structure[] frames)
    {
        foreach (var f in frames)
            if (!_ids.Add(Id(f))) throw new InvalidOperationException($"frame {Id(f)} is already in the dataset");
        _frames.AddRange(frames);
        ExtXyzWriter.WriteFile(_path, _frames);
    }

    /// <summary>A frame's <c>al_id</c>.</summary>
    public static string Id(Structure frame) => frame.Info.TryGetValue("al_id", out var id) ? id.ToString()! : "";

    /// <summary>A frame's <c>al_round</c> (−1 for the initial set).</summary>
    public static int Round(Structure frame) => frame.Info.TryGetValue("al_round", out var r) ? Convert.ToInt32(r, System.Globalization.CultureInfo.InvariantCulture) : -1;
}
