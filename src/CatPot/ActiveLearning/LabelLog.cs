using System.Globalization;

namespace CatPot.ActiveLearning;

/// <summary>
/// <c>labels.log</c>: one tab-separated line per labeller event, flushed to disk before the next step, so after a crash
/// it says exactly which calls were made. Events: <c>call</c> (written before a labeller call), <c>ok</c>, <c>fail</c>
/// (with the reason). A frame with a <c>fail</c> line is never retried; the number of <c>call</c> lines is the number of
/// reference calculations the run has paid for.
/// </summary>
public sealed class LabelLog
{
    /// <summary>File name inside the run directory.</summary>
    public const string FileName = "labels.log";

    private readonly string _path;

    /// <summary>Opens (or creates on first write) the log in <paramref name="directory"/>.</summary>
    public LabelLog(string directory) => _path = Path.Combine(directory, FileName);

    /// <summary>Records an event and forces it to disk.</summary>
    public void Write(string evt, string id, string detail = "")
    {
        string line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:O}\t{evt}\t{id}\t{detail.Replace('\t', ' ').Replace('\n', ' ')}\n");
        using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(System.Text.Encoding.UTF8.GetBytes(line));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The events so far (a torn last line from a crash is ignored).</summary>
    public List<(string Event, string Id, string Detail)> Read()
    {
        var events = new List<(string, string, string)>();
        if (!File.Exists(_path)) return events;
        foreach (string line in File.ReadAllLines(_path))
        {
            var parts = line.Split('\t');
            if (parts.Length == 4) events.Add((parts[1], parts[2], parts[3]));
        }
        return events;
    }

    /// <summary>Number of labeller calls per frame id.</summary>
    public Dictionary<string, int> CallCounts() =>
        Read().Where(e => e.Event == "call").GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Ids of frames whose labelling failed.</summary>
    public HashSet<string> FailedIds() => [.. Read().Where(e => e.Event == "fail").Select(e => e.Id)];
}
