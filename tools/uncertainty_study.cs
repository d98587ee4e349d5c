#:project ../src/CatPot/CatPot.csproj
#:property PublishAot=false
// The evidence behind docs/uncertainty.md: fits CatPot.Uncertainty on a trained model and scores every uncertainty
// signal against the energy errors of a test set, overall and per domain, next to the trivial baselines.
//
//   dotnet run tools/uncertainty_study.cs -- MODEL TRAIN CALIB TEST OUT.json [--components K] [--save MODEL_OUT]
//       [--features a,b,c] [--pooled-fit] [--rows ROWS.csv] [--ood NAME=PATH ...]
// CALIB must come from parents not used in training (xtb4: val.extxyz). --ood files get mean energy_std (and, with
// an OH_dist or separation key, the Spearman of energy_std with it).
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CatPot.Chemistry;
using CatPot.Evaluation;
using CatPot.IO;
using CatPot.Models;
using CatPot.Uncertainty;

if (args.Length < 5)
{
    Console.Error.WriteLine("usage: MODEL TRAIN CALIB TEST OUT.json [--components K] [--save MODEL_OUT] [--features a,b] [--ood NAME=PATH ...]");
    return 2;
}
string modelPath = args[0], trainPath = args[1], calibPath = args[2], testPath = args[3], outPath = args[4];
int components = 1;
double shrinkage = GaussianMixture.DefaultShrinkage;
double noveltyExponent = NoveltyInflation.DefaultExponent;
bool bondSupport = true;
bool withinParents = true;
string? rowsPath = null;
string? savePath = null;
string[]? features = null;
var ood = new List<(string Name, string Path)>();
for (int i = 5; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--components": components = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--no-bond-support": bondSupport = false; break;
        case "--pooled-fit": withinParents = false; break; // the fused weights from the pooled structures (before session 6)
        case "--novelty-exponent": noveltyExponent = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--shrinkage": shrinkage = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rows": rowsPath = args[++i]; break;
        case "--save": savePath = args[++i]; break;
        case "--features": features = args[++i].Split(','); break;
        case "--ood": var kv = args[++i].Split('=', 2); ood.Add((kv[0], kv[1])); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
var clock = System.Diagnostics.Stopwatch.StartNew();
void Log(string s) => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,7:F1} s] {s}");

var file = SafeTensorsFile.Read(modelPath);
var model = PotentialFile.FromSafeTensors<float>(file, out _);
model.FreezeForInference();
var options = new CalibrationOptions { DensityComponents = components, Features = features, DensityShrinkage = shrinkage, NoveltyExponent = noveltyExponent, BondSupport = bondSupport, FusedWithinParents = withinParents };
var train = StructureFiles.ReadAll(trainPath);
var calib = StructureFiles.ReadAll(calibPath);
var test = StructureFiles.ReadAll(testPath);
Log($"extracting {train.Count} training structures");
var trainSig = SignalExtractor.Extract(model, train);
Log("fitting density and rigidity");
var (density, rigidity) = UncertaintyCalibrator.FitEstimators(trainSig, options);
var bonds = UncertaintyCalibrator.FitBondSupport(trainSig);
if (rowsPath is null) trainSig = null; // kept for the training rows (in-sample errors) otherwise
Log($"extracting {calib.Count} calibration structures");
var calSig = SignalExtractor.Extract(model, calib);
var unc = UncertaintyCalibrator.Calibrate(density, rigidity, calSig, calib.Select(s => s.Energy!.Value).ToArray(), UncertaintyCalibrator.GroupsOf(calib), options,
    new JsonObject { ["training_data"] = Path.GetFileName(trainPath), ["calibration_data"] = Path.GetFileName(calibPath), ["training_structures"] = train.Count }, bonds);
if (rowsPath is null) train = null;
Log($"fused weights: {string.Join(", ", unc.EnergyModel.Names.Zip(unc.EnergyModel.Weights, (n, w) => $"{n}={w:F3}"))}; std factor {unc.EnergyQuantiles.StdFactor:F3}");

Log($"test: {test.Count} structures");
var sw = System.Diagnostics.Stopwatch.StartNew();
var sig = SignalExtractor.Extract(model, test);
double extractSeconds = sw.Elapsed.TotalSeconds;
sw.Restart();
var est = sig.Select(unc.Estimate).ToArray();
double estimateSeconds = sw.Elapsed.TotalSeconds;
var err = test.Select((s, i) => Math.Abs(sig[i].Energy - s.Energy!.Value)).ToArray();
var domains = test.Select(s => s.Domain ?? "all").ToArray();
var scores = new Dictionary<string, double[]>
{
    ["energy_std (fused, calibrated)"] = est.Select(e => e.EnergyStd).ToArray(),
    ["energy_std without the out-of-domain factor"] = est.Select(e => e.EnergyStd / (e.NoveltyInflation * e.BondFactor)).ToArray(),
    ["density: max atom novelty"] = est.Select(e => e.Signals.NoveltyMax).ToArray(),
    ["density: top-3 mean novelty"] = est.Select(e => e.Signals.NoveltyTopMean).ToArray(),
    ["density: mean novelty"] = est.Select(e => e.Signals.NoveltyMean).ToArray(),
    ["density: rarest element −ln p(Z)"] = est.Select(e => e.Signals.RarityMax).ToArray(),
    ["LLPR (per-atom)"] = est.Select(e => e.Signals.Rigidity).ToArray(),
    ["LLPR × N"] = est.Select(e => e.Signals.Rigidity * e.Signals.AtomCount).ToArray(),
    ["baseline: metal or ion"] = test.Select(DomainPrior.MetalOrIon).ToArray(),
    ["baseline: atom count"] = test.Select(s => (double)s.AtomCount).ToArray(),
};
if (sig.All(s => s.Entropy is not null))
{
    scores["histogram entropy"] = sig.Select(s => s.Entropy!.Value).ToArray();
    scores["histogram std_E"] = sig.Select(s => s.HistogramStd!.Value).ToArray();
    scores["histogram tail mass"] = sig.Select(s => s.TailMass!.Value).ToArray();
}
var report = new JsonObject
{
    ["model"] = modelPath,
    ["test"] = testPath,
    ["components"] = components,
    ["energy_mae"] = err.Average(),
    ["fused_features"] = new JsonArray(unc.EnergyModel.Names.Select(n => (JsonNode)n).ToArray()),
    ["fused_weights"] = new JsonArray(unc.EnergyModel.Weights.Select(w => (JsonNode)w).ToArray()),
    ["std_factor"] = unc.EnergyQuantiles.StdFactor,
    ["novelty_exponent"] = noveltyExponent,
    ["fused_fit"] = withinParents ? "within_parents" : "pooled",
    ["test_frames_inflated"] = est.Count(e => e.NoveltyInflation > 1),
    ["test_mean_novelty_inflation"] = est.Average(e => e.NoveltyInflation),
    ["test_frames_bond_factor"] = est.Count(e => e.BondFactor > 1),
    ["test_mean_bond_factor"] = est.Average(e => e.BondFactor),
    ["extract_seconds_test"] = extractSeconds,
    ["estimate_seconds_test"] = estimateSeconds,
};
var table = new JsonObject();
Console.WriteLine($"| score | {string.Join(" | ", ScoreQuality.Compute(err, err, domains).Select(q => q.Group))} |");
foreach (var (name, sc) in scores)
{
    var q = ScoreQuality.Compute(sc, err, domains);
    table[name] = new JsonArray(q.Select(x => (JsonNode)new JsonObject { ["group"] = x.Group, ["n"] = x.Structures, ["spearman"] = x.Spearman, ["auroc"] = x.Auroc }).ToArray());
    Console.WriteLine($"| {name} | {string.Join(" | ", q.Select(x => $"{x.Spearman:F3} / {x.Auroc:F3}"))} |");
}
report["scores"] = table;
var conformal = IntervalCalibration.Compute(err, (i, p) => unc.EnergyQuantiles.HalfWidth(est[i].EnergyStd, p));
var gaussian = IntervalCalibration.Compute(err, (i, p) => IntervalCalibration.GaussianHalfWidth(est[i].EnergyStd, p));
report["calibration_conformal"] = JsonSerializer.SerializeToNode(conformal);
report["calibration_gaussian"] = JsonSerializer.SerializeToNode(gaussian);
Console.WriteLine($"miscalibration area: conformal intervals {conformal.MiscalibrationArea:F4} (observed {string.Join(" ", conformal.Observed.Select(o => o.ToString("F3", CultureInfo.InvariantCulture)))}); gaussian ±z·energy_std {gaussian.MiscalibrationArea:F4}");
var perDomainCal = new JsonObject();
foreach (var g in domains.Distinct().Order(StringComparer.Ordinal))
{
    var idx = Enumerable.Range(0, err.Length).Where(i => domains[i] == g).ToArray();
    var c = IntervalCalibration.Compute(idx.Select(i => err[i]).ToArray(), (j, p) => unc.EnergyQuantiles.HalfWidth(est[idx[j]].EnergyStd, p));
    perDomainCal[g] = c.MiscalibrationArea;
    Console.WriteLine($"  {g}: miscalibration area {c.MiscalibrationArea:F4}, mean energy_std {idx.Average(i => est[i].EnergyStd):F3} eV, MAE {idx.Average(i => err[i]):F3} eV");
}
report["miscalibration_area_per_domain"] = perDomainCal;
// per-atom: does the worst atom's uncertainty rank the per-atom error?
var atomWorst = est.Select(e => e.AtomUncertainty.Max()).ToArray();
var perAtomErr = test.Select((s, i) => err[i] / s.AtomCount).ToArray();
report["atom_uncertainty_max_vs_per_atom_error_spearman"] = RankStatistics.Spearman(atomWorst, perAtomErr);
Console.WriteLine($"max atom_uncertainty vs |ΔE|/N: Spearman {RankStatistics.Spearman(atomWorst, perAtomErr):F3}");

var oodReport = new JsonObject();
var oodFrames = new List<(string Name, List<Structure> Frames, StructureSignals[] Signals)>();
foreach (var (name, path) in ood)
{
    var frames = StructureFiles.ReadAll(path);
    var fs = SignalExtractor.Extract(model, frames);
    oodFrames.Add((name, frames, fs));
    var fe = fs.Select(unc.Estimate).ToArray();
    // Far out of domain a model can overflow (non-finite energy; energy_std is then infinite): JSON has no such
    // numbers, so a non-finite mean is written as null, with the count of those frames and the median beside it.
    static JsonNode? Num(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;
    var stds = fe.Select(e => e.EnergyStd).Order().ToArray();
    var o = new JsonObject
    {
        ["frames"] = frames.Count,
        ["frames_non_finite_energy"] = fs.Count(s => !double.IsFinite(s.Energy)),
        ["mean_energy_std"] = Num(fe.Average(e => e.EnergyStd)),
        ["median_energy_std"] = Num(stds[stds.Length / 2]),
        ["mean_energy_std_without_ood_factor"] = Num(fe.Average(e => e.EnergyStd / (e.NoveltyInflation * e.BondFactor))),
        ["mean_novelty_inflation"] = Num(fe.Average(e => e.NoveltyInflation)),
        ["frames_inflated"] = fe.Count(e => e.NoveltyInflation > 1),
        ["mean_bond_factor"] = Num(fe.Average(e => e.BondFactor)),
        ["frames_bond_factor"] = fe.Count(e => e.BondFactor > 1),
        ["mean_novelty_max"] = Num(fe.Average(e => e.Signals.NoveltyMax)),
        ["mean_rigidity"] = Num(fe.Average(e => e.Signals.Rigidity)),
    };
    if (frames.All(f => f.Energy is not null)) o["energy_mae"] = Num(frames.Select((f, i) => Math.Abs(fs[i].Energy - f.Energy!.Value)).Average());
    foreach (var key in new[] { "OH_dist", "separation", "temperature_K" })
        if (frames.All(f => f.Info.ContainsKey(key)))
        {
            var x = frames.Select(f => Convert.ToDouble(f.Info[key], CultureInfo.InvariantCulture)).ToArray();
            o[$"spearman_energy_std_vs_{key}"] = RankStatistics.Spearman(fe.Select(e => e.EnergyStd).ToArray(), x);
            o[$"spearman_novelty_max_vs_{key}"] = RankStatistics.Spearman(fe.Select(e => e.Signals.NoveltyMax).ToArray(), x);
            o[$"spearman_energy_std_without_ood_factor_vs_{key}"] = RankStatistics.Spearman(fe.Select(e => e.EnergyStd / (e.NoveltyInflation * e.BondFactor)).ToArray(), x);
            // the stretched side only (bond longer than 1.0 Å): the dissociation the guard should catch
            var far = Enumerable.Range(0, x.Length).Where(i => x[i] >= 1.0).ToArray();
            if (far.Length > 2)
            {
                o[$"stretched_frames_{key}"] = far.Length;
                o[$"spearman_energy_std_vs_{key}_stretched"] = RankStatistics.Spearman(far.Select(i => fe[i].EnergyStd).ToArray(), far.Select(i => x[i]).ToArray());
                o[$"spearman_novelty_max_vs_{key}_stretched"] = RankStatistics.Spearman(far.Select(i => fe[i].Signals.NoveltyMax).ToArray(), far.Select(i => x[i]).ToArray());
            }
        }
    oodReport[name] = o;
    Console.WriteLine($"ood {name}: {o.ToJsonString()}");
}
report["ood"] = oodReport;
if (rowsPath is not null)
{
    // one row per calibration and test structure, for exploring fusions outside this tool
    using var w = new StreamWriter(rowsPath);
    w.WriteLine("split,domain,parent,atoms,charge,metal_or_ion,abs_err,novelty_max,novelty_top,novelty_mean,rarity_max,rigidity,entropy,hist_std,tail_mass,energy_std,novelty_inflation,bond_factor,x,signed_err");
    void Rows(string split, List<Structure> st, StructureSignals[] sg)
    {
        for (int i = 0; i < st.Count; i++)
        {
            var e = unc.Estimate(sg[i]);
            var f = e.Signals;
            w.WriteLine(string.Join(",", split, st[i].Domain, UncertaintyCalibrator.GroupsOf([st[i]])[0], st[i].AtomCount, st[i].Charge, DomainPrior.MetalOrIon(st[i]),
                Math.Abs(sg[i].Energy - (st[i].Energy ?? double.NaN)).ToString("R", CultureInfo.InvariantCulture),
                f.NoveltyMax.ToString("R", CultureInfo.InvariantCulture), f.NoveltyTopMean.ToString("R", CultureInfo.InvariantCulture), f.NoveltyMean.ToString("R", CultureInfo.InvariantCulture), f.RarityMax.ToString("R", CultureInfo.InvariantCulture),
                f.Rigidity.ToString("R", CultureInfo.InvariantCulture), (f.Entropy ?? double.NaN).ToString("R", CultureInfo.InvariantCulture),
                (f.HistogramStd ?? double.NaN).ToString("R", CultureInfo.InvariantCulture), (f.TailMass ?? double.NaN).ToString("R", CultureInfo.InvariantCulture),
                e.EnergyStd.ToString("R", CultureInfo.InvariantCulture), e.NoveltyInflation.ToString("R", CultureInfo.InvariantCulture), e.BondFactor.ToString("R", CultureInfo.InvariantCulture),
                st[i].Info.TryGetValue("OH_dist", out var oh) ? oh : st[i].Info.TryGetValue("separation", out var sep) ? sep : "",
                (sg[i].Energy - (st[i].Energy ?? double.NaN)).ToString("R", CultureInfo.InvariantCulture)));
        }
    }
    if (train is not null && trainSig is not null) Rows("train", train, trainSig); // in-sample errors: for exploration only
    Rows("calib", calib, calSig);
    Rows("test", test, sig);
    foreach (var (name, frames, fs) in oodFrames) Rows(name, frames, fs);
}
if (savePath is not null)
{
    unc.AddTo(file).Write(savePath);
    var back = SafeTensorsFile.Read(savePath);
    PotentialFile.FromSafeTensors<float>(back, out _);
    var again = UncertaintyModel.FromSafeTensors(back)!;
    double maxDiff = sig.Select((s, i) => Math.Abs(again.Estimate(s).EnergyStd - est[i].EnergyStd)).Max();
    Log($"saved {savePath}; reloaded: max |Δ energy_std| = {maxDiff:E2}");
    report["reload_max_diff"] = maxDiff;
}
File.WriteAllText(outPath, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Log($"wrote {outPath}");
return 0;
