using CatPot.Chemistry;
using CatPot.Models;
using CatPot.Uncertainty;

namespace CatPot.Cli;

/// <summary>
/// The calibrated uncertainty of a model file (<c>catpot calibrate</c>, the end of <c>catpot train</c>) as the commands
/// use it: loaded from the raw safetensors file (<see cref="UncertaintyModel.MetadataKey"/>, <c>uncertainty.*</c>
/// tensors) and evaluated per structure. A file without it gives null, and the commands keep the histogram std.
/// </summary>
public static class ModelUncertainty
{
    /// <summary>The fewest labelled calibration structures <see cref="UncertaintyCalibrator.Calibrate"/> accepts.</summary>
    public const int MinCalibrationStructures = UncertaintyCalibrator.MinCalibrationStructures;

    /// <summary>The stored uncertainty model of <paramref name="modelPath"/>, or null when the file has none.</summary>
    /// <exception cref="ModelFileException">The stored description or tensors are malformed.</exception>
    public static UncertaintyModel? Load(string modelPath) => UncertaintyModel.FromSafeTensors(SafeTensorsFile.Read(modelPath));

    /// <summary>
    /// Calibrated estimates of <paramref name="structures"/>, in order: one extra energy-only, no-gradient forward pass
    /// (<see cref="SignalExtractor"/>) for the features, then the fitted estimators.
    /// </summary>
    public static UncertaintyEstimate[] Estimate(Potential<float> model, UncertaintyModel uncertainty, IReadOnlyList<Structure> structures, int maxAtoms)
    {
        var signals = SignalExtractor.Extract(model, structures, maxAtoms);
        var result = new UncertaintyEstimate[signals.Length];
        for (int i = 0; i < signals.Length; i++) result[i] = uncertainty.Estimate(signals[i]);
        return result;
    }

    /// <summary>
    /// Fits the uncertainty of <paramref name="modelPath"/> on <paramref name="training"/> (density, rigidity) and
    /// <paramref name="calibration"/> (fused model and conformal factors) and writes the model file with it to
    /// <paramref name="outPath"/> (atomic; may be <paramref name="modelPath"/> itself).
    /// </summary>
    public static UncertaintyModel FitAndStore(string modelPath, IReadOnlyList<Structure> training, IReadOnlyList<Structure> calibration,
        string trainName, string calibrationName, string outPath, int maxAtoms, int components, Action<string>? log)
    {
        if (!calibration.Any(s => s.Energy is not null))
            throw new InvalidDataException($"{calibrationName}: no structure has an energy; calibration needs reference energies.");
        var model = PotentialFile.Load<float>(modelPath);
        var provenance = new System.Text.Json.Nodes.JsonObject
        {
            ["training_data"] = Path.GetFileName(trainName),
            ["calibration_data"] = Path.GetFileName(calibrationName),
            ["calibration_structures"] = calibration.Count(s => s.Energy is not null),
        };
        var options = new CalibrationOptions { MaxAtoms = maxAtoms, DensityComponents = components };
        UncertaintyModel fitted;
        try
        {
            fitted = UncertaintyCalibrator.Fit(model, training, calibration, options, provenance, log);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{calibrationName}: {e.Message}", e);
        }
        var file = SafeTensorsFile.Read(modelPath);
        fitted.AddTo(file).Write(outPath);
        return fitted;
    }

    /// <summary>
    /// How well the calibrated <c>energy_std</c> ranks and covers the energy errors of <paramref name="structures"/>
    /// (those with a reference energy): Spearman and AUROC overall and per domain (the <c>domain</c> info key) next to
    /// the two trivial baselines (<see cref="DomainPrior.MetalOrIon"/>, atom count), and the conformal intervals'
    /// coverage curve and miscalibration area. Printed as text lines to <paramref name="writer"/>.
    /// </summary>
    public static UncertaintyQuality Assess(Potential<float> model, UncertaintyModel uncertainty, IReadOnlyList<Structure> structures, int maxAtoms)
    {
        var labelled = structures.Where(s => s.Energy is not null).ToList();
        var signals = SignalExtractor.Extract(model, labelled, maxAtoms);
        var estimates = signals.Select(uncertainty.Estimate).ToArray();
        var predicted = signals.Select(s => s.Energy).ToArray();
        var errors = labelled.Select((s, i) => Math.Abs(predicted[i] - s.Energy!.Value)).ToArray();
        var groups = labelled.Select(s => s.Info.TryGetValue("domain", out var d) && d?.ToString() is { Length: > 0 } t ? t : "all").ToArray();
        var std = estimates.Select(e => e.EnergyStd).ToArray();
        return new UncertaintyQuality
        {
            EnergyStd = ScoreQuality.Compute(std, errors, groups),
            MetalOrIon = ScoreQuality.Compute(labelled.Select(DomainPrior.MetalOrIon).ToArray(), errors, groups),
            AtomCount = ScoreQuality.Compute(labelled.Select(s => (double)s.AtomCount).ToArray(), errors, groups),
            Intervals = IntervalCalibration.Compute(errors, (i, p) => uncertainty.EnergyQuantiles.HalfWidth(std[i], p)),
        };
    }
}

/// <summary>The result of <see cref="ModelUncertainty.Assess"/>.</summary>
public sealed record UncertaintyQuality
{
    /// <summary>Calibrated <c>energy_std</c> vs abs(ΔE): overall, then per domain.</summary>
    public required List<ScoreQuality> EnergyStd { get; init; }

    /// <summary>Baseline: 1 for a structure with a metal atom or a net charge.</summary>
    public required List<ScoreQuality> MetalOrIon { get; init; }

    /// <summary>Baseline: the atom count.</summary>
    public required List<ScoreQuality> AtomCount { get; init; }

    /// <summary>Coverage of the conformal intervals E ± HalfWidth(energy_std, p).</summary>
    public required IntervalCalibration Intervals { get; init; }

    /// <summary>Spearman of <c>energy_std</c> with abs(ΔE) over all structures.</summary>
    public double? OverallSpearman => EnergyStd[0].Spearman;

    /// <summary>Writes a small text table.</summary>
    public void WriteTo(TextWriter w, string title)
    {
        static string F(double? x) => x is double v ? v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "–";
        w.WriteLine(title);
        w.WriteLine("  Spearman / AUROC(worst 10 %) with abs(energy error)");
        w.WriteLine($"  {"group",-20} {"n",6}  {"energy_std",-13} {"metal or ion",-13} {"atom count",-13}");
        for (int i = 0; i < EnergyStd.Count; i++)
            w.WriteLine($"  {EnergyStd[i].Group,-20} {EnergyStd[i].Structures,6}  {F(EnergyStd[i].Spearman) + " / " + F(EnergyStd[i].Auroc),-13} {F(MetalOrIon[i].Spearman) + " / " + F(MetalOrIon[i].Auroc),-13} {F(AtomCount[i].Spearman) + " / " + F(AtomCount[i].Auroc),-13}");
        w.WriteLine("  interval coverage (nominal -> observed): " + string.Join(", ", Intervals.Levels.Select((p, j) => $"{F(p)}->{F(Intervals.Observed[j])}")));
        w.WriteLine($"  miscalibration area: {Intervals.MiscalibrationArea.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}");
    }
}
