using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CatPot.Chemistry;
using CatPot.Cli;
using CatPot.Simulation;
using Microsoft.Data.Sqlite;

namespace CatPot.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of every input CatPot reads (issue 14): extxyz, safetensors model files, .aselmdb, ASE SQLite
/// and JSON databases, and i-PI message streams. Each case mutates a valid seed (bit flips, byte overwrites,
/// deletions, duplications, truncation; for text also number, token and line edits; for SQLite also column
/// rewrites) and runs it through what a user runs: <c>catpot data info</c> for datasets, <c>catpot predict</c>
/// for models (in-process, so the CLI's one exit-code mapping judges the outcome), and an <see cref="IpiClient"/>
/// against a server that sends the mutated stream. Exit 3 (or an exception escaping the i-PI client) is an
/// internal error; a case running past the hang limit is a hang.
/// </summary>
/// <remarks>
/// Run by <c>InputFuzzTests</c> with a small case count, and by <c>tools/fuzz_inputs.sh</c> with any count
/// (CATPOT_FUZZ_CASES) and a JSON report (CATPOT_FUZZ_REPORT). Cases are reproducible: case k of a format uses
/// seed (seed, k).
/// </remarks>
internal sealed class InputFuzzer : IDisposable
{
    /// <summary>The formats, in the order reports list them.</summary>
    public static readonly string[] Formats = ["extxyz", "safetensors", "aselmdb", "ase-db-sqlite", "ase-db-json", "ipi", "prediction"];

    private static readonly string[] InterestingNumbers =
        ["0", "-0", "1", "-1", "2", "3", "11", "12", "101", "118", "119", "255", "2147483647", "2147483648", "-2147483649",
         "99999999999999999999", "1e308", "1e309", "-1e309", "1e-320", "nan", "NaN", "inf", "-Infinity", "1.5", "0.5", "1e6", "1000000"];

    private static readonly string[] InterestingTokens =
        ["T", "F", "True", "false", "_JSON {", "_JSON [[1,2],[3]]", "\"", "'", "=", "\\", "Lattice=\"1 0 0 0 1 0 0 0 1\"", "VEC1 1 0 0", "pbc=",
         "Properties=species:S:1:pos:R:3", ":R:", ":I:", ":L:", ":S:", "{", "}", "[", "]", "__ndarray__", "null", "\"dtype\"",
         "\"F64\"", "\"I64\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", ",", ":", "Og", "Xx", "\u00e9", "\t", "\0"];

    private static readonly byte[] InterestingBytes = [0, 0xff, 0x7f, 0x80, (byte)'\n', (byte)'"', (byte)'{', (byte)'9', (byte)'-', (byte)'e', (byte)' '];

    private readonly string _dir = Directory.CreateTempSubdirectory("catpot-fuzz-").FullName;
    private readonly string _fixtures;
    private readonly Dictionary<string, byte[][]> _seeds = new(StringComparer.Ordinal);
    private readonly string _frameFile;
    private readonly string _predictModel;

    public InputFuzzer(string fixturesDir, TimeSpan hangLimit)
    {
        _fixtures = fixturesDir;
        HangLimit = hangLimit;
        _seeds["extxyz"] =
        [
            Read("extxyz/ase_types.extxyz"), Read("extxyz/mace_keys.extxyz"), Read("ase_write/vec_cell.extxyz"),
            Read("ase_write/json_keys.extxyz"), Read("ase_write/arrays_stress_charges.extxyz"), Read("peer/frames.extxyz")[..4000],
        ];
        _seeds["safetensors"] =
        [
            Read("peer/catpot_hlgauss_small.safetensors"), Read("peer/catpot_mae_small.safetensors"),
            Read("cli/catpot_t2_catres_uncertainty.safetensors"),
        ];
        // Structures through the whole prediction path (validation, graph, model, stored uncertainty) of a model as CatPot
        // writes it today: the first three whole molecules of the peer frames (a biomolecule, two electrolytes) and the MACE-keys fixture.
        _seeds["prediction"] = [FirstFrames(Read("peer/frames.extxyz"), 3), Read("extxyz/mace_keys.extxyz")];
        _predictModel = Path.Combine(fixturesDir, "cli", "catpot_t2_catres_uncertainty.safetensors");
        _seeds["aselmdb"] = [Read("aselmdb/small.aselmdb"), Read("aselmdb/legacy.aselmdb")];
        _seeds["ase-db-sqlite"] = [Read("ase_write/rows.db")];
        _seeds["ase-db-json"] = [Read("ase_write/rows.json")];
        _seeds["ipi"] = [IpiSession()];
        _frameFile = Path.Combine(_dir, "frame.extxyz");
        File.WriteAllText(_frameFile, "3\nenergy=-2000.0\nO 0 0 0.1\nH 0.76 0 -0.47\nH -0.76 0 -0.47\n");
    }

    public TimeSpan HangLimit { get; }

    /// <summary>Where failing inputs are copied (format-case.bin), when set.</summary>
    public string? FailureFolder { get; init; }

    // The mutated input of the running case, kept so a failure can be saved.
    private byte[]? _lastInput;

    private void SaveFailure(string format, int k)
    {
        if (FailureFolder is null || _lastInput is null) return;
        Directory.CreateDirectory(FailureFolder);
        File.WriteAllBytes(Path.Combine(FailureFolder, $"{format}-{k}.bin"), _lastInput);
    }

    /// <summary>What happened in the cases of one format.</summary>
    public sealed class FormatResult(string format)
    {
        public string Format { get; } = format;
        public int Cases { get; set; }
        public int Accepted { get; set; }
        public int Refused { get; set; }
        public int InternalErrors { get; set; }
        public int Hangs { get; set; }
        public double Seconds { get; set; }
        public double SlowestCaseSeconds { get; set; }
        public List<string> Failures { get; } = [];
    }

    /// <summary>Runs <paramref name="cases"/> cases of <paramref name="format"/>.</summary>
    public FormatResult Run(string format, int cases, int seed)
    {
        var result = new FormatResult(format);
        var total = Stopwatch.StartNew();
        for (int k = 0; k < cases; k++)
        {
            var random = new Random(unchecked((seed * 1_000_003) + (Array.IndexOf(Formats, format) * 10_000_019) + k));
            var seeds = _seeds[format];
            byte[] input = seeds[random.Next(seeds.Length)];
            string? outcome = null;
            _lastInput = null;
            Exception? escaped = null;
            var watch = Stopwatch.StartNew();
            var thread = new Thread(() =>
            {
                try
                {
                    outcome = RunCase(format, input, random, k);
                }
                catch (Exception e)
                {
                    escaped = e;
                }
            }, 64 * 1024 * 1024) { IsBackground = true };
            thread.Start();
            if (!thread.Join(HangLimit))
            {
                result.Hangs++;
                result.Failures.Add($"{format} case {k} (seed {seed}): still running after {HangLimit.TotalSeconds} s");
                SaveFailure(format, k);
                result.Cases = k + 1;
                break; // the thread cannot be stopped; stop this format rather than pile up hung cases
            }
            result.SlowestCaseSeconds = Math.Max(result.SlowestCaseSeconds, watch.Elapsed.TotalSeconds);
            result.Cases = k + 1;
            if (escaped is not null)
            {
                result.InternalErrors++;
                result.Failures.Add($"{format} case {k} (seed {seed}): {escaped.GetType().Name}: {escaped.Message}");
                SaveFailure(format, k);
            }
            else if (outcome == "ok") result.Accepted++;
            else if (outcome == "refused") result.Refused++;
            else
            {
                result.InternalErrors++;
                result.Failures.Add($"{format} case {k} (seed {seed}): {outcome}");
                SaveFailure(format, k);
            }
        }
        result.Seconds = total.Elapsed.TotalSeconds;
        return result;
    }

    /// <summary>"ok", "refused", or a description of the internal error.</summary>
    private string RunCase(string format, byte[] seedBytes, Random random, int k)
    {
        switch (format)
        {
            case "ipi":
                return RunIpi(_lastInput = MutateBytes(seedBytes, random, text: false), random);
            case "ase-db-sqlite":
            {
                string path = Path.Combine(_dir, $"case{k % 4}.db");
                File.Delete(path);
                if (random.Next(2) == 0) File.WriteAllBytes(path, MutateBytes(seedBytes, random, text: false));
                else
                {
                    File.WriteAllBytes(path, seedBytes);
                    MutateSqlite(path, random);
                }
                _lastInput = File.ReadAllBytes(path);
                return RunCli(["data", "info", path, "--json"]);
            }
            case "safetensors":
            {
                string model = Path.Combine(_dir, "model.safetensors");
                File.WriteAllBytes(model, _lastInput = MutateSafeTensors(seedBytes, random));
                string output = Path.Combine(_dir, "out.extxyz");
                File.Delete(output);
                return RunCli(["predict", model, _frameFile, "-o", output]);
            }
            case "prediction":
            {
                string path = Path.Combine(_dir, "case-prediction.extxyz");
                File.WriteAllBytes(path, _lastInput = MutateBytes(seedBytes, random, text: true));
                string output = Path.Combine(_dir, "out-prediction.extxyz");
                File.Delete(output);
                return RunCli(["predict", _predictModel, path, "-o", output]);
            }
            default:
            {
                string extension = format switch { "extxyz" => ".extxyz", "aselmdb" => ".aselmdb", _ => ".json" };
                string path = Path.Combine(_dir, "case" + extension);
                File.WriteAllBytes(path, _lastInput = MutateBytes(seedBytes, random, text: format != "aselmdb"));
                return RunCli(["data", "info", path, "--json"]);
            }
        }
    }

    private static string RunCli(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = Program.Run([.. args, "--verbose"], stdout, stderr);
        if (code is ExitCodes.Ok or ExitCodes.BadInput) return code == ExitCodes.Ok ? "ok" : "refused";
        // The error line and the innermost CatPot frame of the stack trace (--verbose) say where it happened.
        var lines = stderr.ToString().Split('\n');
        string error = lines.FirstOrDefault(l => l.StartsWith("catpot:", StringComparison.Ordinal))?.Trim() ?? "";
        string at = lines.FirstOrDefault(l => l.TrimStart().StartsWith("at CatPot.", StringComparison.Ordinal))?.Trim() ?? "";
        return $"exit {code}: {Shorten(error)} [{Shorten(at)}]";
    }

    // ---- mutations ----

    /// <summary>1–3 random edits; text inputs also get number, token and line edits.</summary>
    internal static byte[] MutateBytes(byte[] input, Random random, bool text)
    {
        var data = new List<byte>(input);
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int kind = random.Next(text ? 10 : 6);
            if (data.Count == 0) { data.Add(InterestingBytes[random.Next(InterestingBytes.Length)]); continue; }
            int at = random.Next(data.Count);
            switch (kind)
            {
                case 0: data[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: data[at] = InterestingBytes[random.Next(InterestingBytes.Length)]; break;
                case 2: data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(64))); break;
                case 3:
                {
                    int length = Math.Min(data.Count - at, 1 + random.Next(256));
                    data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    break;
                }
                case 4: data.RemoveRange(at, data.Count - at); break;
                case 5:
                    for (int i = 0; i < 1 + random.Next(8) && at + i < data.Count; i++) data[at + i] = (byte)random.Next(256);
                    break;
                default:
                {
                    string s = Encoding.UTF8.GetString([.. data]);
                    s = kind switch
                    {
                        6 => ReplaceNumber(s, random),
                        7 => ReplaceToken(s, random, InterestingTokens[random.Next(InterestingTokens.Length)]),
                        8 => EditLine(s, random),
                        _ => ReplaceToken(s, random, InterestingNumbers[random.Next(InterestingNumbers.Length)]),
                    };
                    data = [.. Encoding.UTF8.GetBytes(s)];
                    break;
                }
            }
        }
        return [.. data];
    }

    private static string ReplaceNumber(string s, Random random)
    {
        // Pick a digit, widen to the number around it, replace it with an interesting one.
        for (int attempt = 0; attempt < 8; attempt++)
        {
            if (s.Length == 0) return s;
            int at = random.Next(s.Length);
            if (!char.IsAsciiDigit(s[at])) continue;
            int start = at, end = at;
            while (start > 0 && (char.IsAsciiDigit(s[start - 1]) || s[start - 1] is '.' or '-' or 'e' or 'E' or '+')) start--;
            while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] is '.' or '-' or 'e' or 'E' or '+')) end++;
            return string.Concat(s.AsSpan(0, start), InterestingNumbers[random.Next(InterestingNumbers.Length)], s.AsSpan(end));
        }
        return s;
    }

    private static string ReplaceToken(string s, Random random, string replacement)
    {
        if (s.Length == 0) return replacement;
        int at = random.Next(s.Length);
        int end = at;
        while (end < s.Length && !char.IsWhiteSpace(s[end]) && end - at < 16) end++;
        return random.Next(3) == 0 ? s.Insert(at, replacement) : string.Concat(s.AsSpan(0, at), replacement, s.AsSpan(end));
    }

    private static string EditLine(string s, Random random)
    {
        var lines = s.Split('\n').ToList();
        int at = random.Next(lines.Count);
        switch (random.Next(3))
        {
            case 0: lines.RemoveAt(at); break;
            case 1: lines.Insert(random.Next(lines.Count), lines[at]); break;
            default:
                int other = random.Next(lines.Count);
                (lines[at], lines[other]) = (lines[other], lines[at]);
                break;
        }
        return string.Join('\n', lines);
    }

    /// <summary>Either edits the JSON header (text mutations, length prefix adjusted or not) or the bytes anywhere.</summary>
    private static byte[] MutateSafeTensors(byte[] input, Random random)
    {
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(input);
        if (random.Next(3) == 0 || headerLength <= 0 || headerLength > input.Length - 8)
            return MutateBytes(input, random, text: false);
        byte[] header = input.AsSpan(8, (int)headerLength).ToArray();
        byte[] mutated = MutateBytes(header, random, text: true);
        var output = new byte[8 + mutated.Length + (input.Length - 8 - (int)headerLength)];
        // Usually keep the length prefix consistent, so the JSON itself is what is tested.
        BinaryPrimitives.WriteInt64LittleEndian(output, random.Next(5) == 0 ? headerLength : mutated.Length);
        mutated.CopyTo(output, 8);
        input.AsSpan(8 + (int)headerLength).CopyTo(output.AsSpan(8 + mutated.Length));
        return output;
    }

    /// <summary>Rewrites one column of one row (or the schema) through SQLite, so the file stays a valid database.</summary>
    private static void MutateSqlite(string path, Random random)
    {
        string[] columns = ["numbers", "positions", "cell", "pbc", "initial_magmoms", "initial_charges", "masses", "tags", "momenta",
            "energy", "free_energy", "forces", "stress", "dipole", "magmoms", "magmom", "charges", "key_value_pairs", "data", "id"];
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        int edits = 1 + random.Next(2);
        for (int e = 0; e < edits; e++)
        {
            int kind = random.Next(20);
            command.Parameters.Clear();
            if (kind == 0) command.CommandText = "DROP TABLE information";
            else if (kind == 1) command.CommandText = $"UPDATE information SET value = '{random.Next(-2, 12)}' WHERE name = 'version'";
            else if (kind == 2) command.CommandText = $"ALTER TABLE systems DROP COLUMN {columns[random.Next(columns.Length - 1)]}";
            else
            {
                string column = columns[random.Next(columns.Length)];
                command.CommandText = $"UPDATE systems SET {column} = $v WHERE id = {1 + random.Next(5)}";
                object value = random.Next(7) switch
                {
                    0 => DBNull.Value,
                    1 => (long)random.Next(-5, 200),
                    2 => random.NextDouble() * Math.Pow(10, random.Next(-5, 310)),
                    3 => RandomBlob(random),
                    4 => InterestingTokens[random.Next(InterestingTokens.Length)],
                    5 => ReplaceNumber("{\"charge\": 1, \"spin\": 2, \"x\": [1, 2, 3]}", random),
                    _ => MutateBytes(Encoding.UTF8.GetBytes("{\"charge\": 1, \"spin\": 2, \"name\": \"a\"}"), random, text: true),
                };
                command.Parameters.AddWithValue("$v", value);
            }
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // An edit SQLite refuses (e.g. a constraint) leaves the database as it was.
            }
        }
    }

    private static byte[] RandomBlob(Random random)
    {
        int length = random.Next(5) switch { 0 => 0, 1 => random.Next(1, 8), 2 => 8 * random.Next(1, 20), 3 => 4 * random.Next(1, 20), _ => random.Next(1, 400) };
        var blob = new byte[length];
        if (random.Next(2) == 0) random.NextBytes(blob);
        else
            for (int i = 0; i + 8 <= length; i += 8)
                BinaryPrimitives.WriteDoubleLittleEndian(blob.AsSpan(i), random.Next(4) == 0 ? double.NaN : (random.NextDouble() - 0.5) * 10);
        return blob;
    }

    // ---- i-PI ----

    /// <summary>A valid i-PI server session for a 3-atom molecule: STATUS, INIT, two POSDATA/GETFORCE cycles, EXIT.</summary>
    private static byte[] IpiSession()
    {
        var s = new MemoryStream();
        void Header(string h) => s.Write(Encoding.ASCII.GetBytes(h.PadRight(12)));
        void Int(int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); s.Write(b); }
        void Double(double v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, v); s.Write(b); }
        Header("STATUS");
        Header("INIT");
        Int(0);
        Int(5);
        s.Write("hello"u8);
        for (int cycle = 0; cycle < 2; cycle++)
        {
            Header("STATUS");
            Header("POSDATA");
            for (int i = 0; i < 18; i++) Double(0);
            Int(3);
            double[] bohr = [0, 0, 0.19, 1.44, 0, -0.89, -1.44, 0, -0.89 + 0.01 * cycle];
            foreach (double x in bohr) Double(x);
            Header("STATUS");
            Header("GETFORCE");
        }
        Header("EXIT");
        return s.ToArray();
    }

    private sealed class ZeroCalculator : IForceCalculator
    {
        public void Calculate(Structure structure, CalculationResult result)
        {
            result.Energy = 0;
            Array.Clear(result.Forces);
        }
    }

    private string RunIpi(byte[] stream, Random random)
    {
        string socketPath = Path.Combine(_dir, "ipi.sock");
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        var server = Task.Run(() =>
        {
            using var connection = listener.Accept();
            try
            {
                // Send in a few pieces, as a real server's writes arrive.
                int sent = 0;
                while (sent < stream.Length)
                {
                    int piece = Math.Min(stream.Length - sent, 1 + random.Next(64));
                    connection.Send(stream.AsSpan(sent, piece));
                    sent += piece;
                }
                connection.Shutdown(SocketShutdown.Send);
                var sink = new byte[4096];
                connection.ReceiveTimeout = 5000;
                while (connection.Receive(sink) > 0) { }
            }
            catch (SocketException)
            {
                // The client closed first: expected after EXIT or a protocol error.
            }
        });
        var structure = new Structure([8, 1, 1], [0, 0, 0.1, 0.76, 0, -0.47, -0.76, 0, -0.47]);
        var client = new IpiClient(new ZeroCalculator(), structure, IpiEndpoint.Parse("unix:" + socketPath), TextWriter.Null,
            new IpiClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });
        var outcome = client.Run();
        server.Wait(TimeSpan.FromSeconds(10));
        return outcome is IpiClientOutcome.ExitRequested or IpiClientOutcome.ServerClosed ? "ok" : outcome == IpiClientOutcome.ProtocolError ? "refused" : $"outcome {outcome}";
    }

    // ---- reporting ----

    /// <summary>The report written by the long run (docs/robustness.md quotes it).</summary>
    public static string ToJson(IEnumerable<FormatResult> results, int seed, long peakWorkingSetBytes) =>
        JsonSerializer.Serialize(new
        {
            seed,
            peak_working_set_mb = Math.Round(peakWorkingSetBytes / 1048576.0, 1),
            formats = results.Select(r => new
            {
                format = r.Format,
                cases = r.Cases,
                accepted = r.Accepted,
                refused_exit_2 = r.Refused,
                internal_errors = r.InternalErrors,
                hangs = r.Hangs,
                seconds = Math.Round(r.Seconds, 1),
                slowest_case_seconds = Math.Round(r.SlowestCaseSeconds, 2),
                failures = r.Failures.Take(50),
            }),
        }, ReportJson);

    private static readonly JsonSerializerOptions ReportJson = new() { WriteIndented = true };

    private byte[] Read(string relative) => File.ReadAllBytes(Path.Combine(_fixtures, relative));

    /// <summary>The first <paramref name="count"/> whole frames of an extxyz text (atom count, comment, atom lines).</summary>
    private static byte[] FirstFrames(byte[] extxyz, int count)
    {
        var lines = Encoding.UTF8.GetString(extxyz).Split('\n');
        int end = 0;
        for (int f = 0; f < count; f++) end += 2 + int.Parse(lines[end].Trim(), CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(string.Join('\n', lines[..end]) + "\n");
    }

    private static string Shorten(string s) => s.Length <= 300 ? s : s[..297] + "...";

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A hung case may still hold a file; the temporary folder is left behind.
        }
    }
}
