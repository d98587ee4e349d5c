using System.Globalization;

namespace CatPot.Performance;

/// <summary>
/// Jiffies of the whole machine and of this process from /proc, to report how many cores other processes used
/// while a benchmark section ran (the peer's <c>other_load</c>).
/// </summary>
internal readonly record struct CpuSnapshot(long Total, long Busy, long Self)
{
    public static CpuSnapshot? Take()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            string self = File.ReadAllText("/proc/self/stat");
            var fields = self[(self.LastIndexOf(')') + 2)..].Split(' ');
            long total = cpu.Sum();
            return new CpuSnapshot(total, total - cpu[3] - cpu[4],
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Average number of cores used by other processes between two snapshots, or null when unknown.</summary>
    public static double? OtherLoad(CpuSnapshot? a, CpuSnapshot? b)
    {
        if (a is not { } x || b is not { } y || y.Total == x.Total) return null;
        double other = Math.Max(0, (y.Busy - x.Busy) - (y.Self - x.Self));
        return Math.Round(Environment.ProcessorCount * other / (y.Total - x.Total), 3);
    }
}
