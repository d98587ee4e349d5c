#:project ../../src/CatPot/CatPot.csproj
#:property PublishAot=false
// Energy curves of a model beside the DFT reference, for the energy-only ethanol test sets (test_dimers: six
// two-atom dissociation curves; test_H_removal: the hydroxyl H pulled off). Reads `catpot predict` output, which
// keeps the DFT energy as `ref_energy` and the scan coordinate (`distance` or `OH_dist`) of the input.
//
//   dotnet run bench/dft/dft_curves.cs -- PRED.xyz ISOLATED_ATOMS.xyz OUT_PREFIX TITLE
//
// Writes OUT_PREFIX-absolute.svg (E − Σ E0, E0 the DFT isolated-atom energies, for model and DFT alike: this shows
// whether the model has the right dissociation limit), OUT_PREFIX-shifted.svg (each curve minus its own value at
// the largest separation: the shape only) and OUT_PREFIX.json (per curve: points, energy RMSE and MAE in meV for
// both views). One chart per config_type. The y window is set from the DFT curve (points of either curve outside
// it are left out and counted in the chart title), so a repulsive wall at 0.35 Å does not flatten the rest.
using System.Globalization;
using System.Text.Json;
using CatPot.Chemistry;
using CatPot.IO;
using CatPot.Reporting;

if (args.Length != 4)
{
    Console.Error.WriteLine("usage: dotnet run bench/dft/dft_curves.cs -- PRED.xyz ISOLATED_ATOMS.xyz OUT_PREFIX TITLE");
    return 2;
}
string predPath = args[0], isoPath = args[1], prefix = args[2], title = args[3];

var e0 = new Dictionary<int, double>();
foreach (var atom in StructureFiles.Read(isoPath))
{
    if (atom.AtomCount != 1 || atom.Energy is not double e) throw new InvalidDataException($"{isoPath}: every frame must be one atom with an energy");
    e0[atom.Numbers[0]] = e;
}

var groups = new SortedDictionary<string, List<(double X, double Dft, double Model)>>(StringComparer.Ordinal);
string xLabel = "interatomic distance (Å)";
foreach (var s in StructureFiles.Read(predPath))
{
    string group = s.Info.TryGetValue("config_type", out var ct) ? Convert.ToString(ct, CultureInfo.InvariantCulture)! : "all";
    if (Number(s, "distance") is null && Number(s, "OH_dist") is not null) xLabel = "O–H distance (Å)";
    double x = Number(s, "distance") ?? Number(s, "OH_dist") ?? throw new InvalidDataException($"{predPath}: a frame has neither distance nor OH_dist");
    double dft = Number(s, "ref_energy") ?? throw new InvalidDataException($"{predPath}: a frame has no ref_energy (write it with catpot predict on the DFT file)");
    double model = s.Energy ?? throw new InvalidDataException($"{predPath}: a frame has no predicted energy");
    double sumE0 = 0;
    foreach (int z in s.Numbers)
        sumE0 += e0.TryGetValue(z, out double v) ? v : throw new InvalidDataException($"{isoPath}: no isolated-atom energy for Z={z}");
    if (!groups.TryGetValue(group, out var list)) groups[group] = list = [];
    list.Add((x, dft - sumE0, model - sumE0));
}

var absolute = new FigureGrid { Columns = 3 };
var shifted = new FigureGrid { Columns = 3 };
var report = new List<object>();
foreach (var (group, raw) in groups)
{
    var pts = raw.OrderBy(p => p.X).ToArray();
    var last = pts[^1];
    var shiftedPts = pts.Select(p => (p.X, Dft: p.Dft - last.Dft, Model: p.Model - last.Model)).ToArray();
    absolute.Charts.Add(CurveChart($"{group}: E − ΣE0", pts));
    shifted.Charts.Add(CurveChart($"{group}: E − E(largest x)", shiftedPts));
    report.Add(new
    {
        curve = group,
        points = pts.Length,
        absolute_rmse_meV = 1000 * Rmse(pts.Select(p => p.Model - p.Dft)),
        absolute_mae_meV = 1000 * Mae(pts.Select(p => p.Model - p.Dft)),
        shifted_rmse_meV = 1000 * Rmse(shiftedPts.Select(p => p.Model - p.Dft)),
        shifted_mae_meV = 1000 * Mae(shiftedPts.Select(p => p.Model - p.Dft)),
        dft_minimum_eV = pts.Min(p => p.Dft),
        model_minimum_eV = pts.Min(p => p.Model),
    });
}
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(prefix))!);
File.WriteAllText(prefix + "-absolute.svg", absolute.ToSvg());
File.WriteAllText(prefix + "-shifted.svg", shifted.ToSvg());
string json = JsonSerializer.Serialize(new { title, curves = report }, new JsonSerializerOptions { WriteIndented = true });
File.WriteAllText(prefix + ".json", json);
Console.WriteLine(json);
return 0;

Chart CurveChart(string name, (double X, double Dft, double Model)[] pts)
{
    double min = pts.Min(p => p.Dft), asymptote = pts[^1].Dft, depth = Math.Max(asymptote - min, 0.5);
    double lo = min - (0.2 * depth) - 0.5, hi = asymptote + (1.5 * depth) + 0.5;
    bool In(double y) => y >= lo && y <= hi;
    var dft = pts.Where(p => In(p.Dft)).ToArray();
    var model = pts.Where(p => In(p.Model)).ToArray();
    int hidden = (pts.Length - dft.Length) + (pts.Length - model.Length);
    var chart = new Chart
    {
        Title = hidden == 0 ? $"{title} — {name}" : $"{title} — {name} ({hidden} {(hidden == 1 ? "point" : "points")} off scale)",
        XLabel = xLabel,
        YLabel = "energy (eV)",
        Width = 460,
        Height = 320,
        YRange = (lo, hi),
        Legend = LegendPosition.TopRight,
    };
    chart.Series.Add(new ChartSeries { Name = "DFT", X = [.. dft.Select(p => p.X)], Y = [.. dft.Select(p => p.Dft)], Color = "#222222" });
    chart.Series.Add(new ChartSeries { Name = "CatPot", X = [.. model.Select(p => p.X)], Y = [.. model.Select(p => p.Model)], Color = "#d62728", Dashed = true });
    return chart;
}

static double? Number(Structure s, string key) =>
    s.Info.TryGetValue(key, out var v) && v is IConvertible c ? c.ToDouble(CultureInfo.InvariantCulture) : null;

static double Rmse(IEnumerable<double> d) { var a = d.ToArray(); return Math.Sqrt(a.Sum(x => x * x) / a.Length); }
static double Mae(IEnumerable<double> d) { var a = d.ToArray(); return a.Sum(Math.Abs) / a.Length; }
