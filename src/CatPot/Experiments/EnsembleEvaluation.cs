using CatPot.Evaluation;

namespace CatPot.Experiments;

/// <summary>
/// The MAE ensemble as one predictor: the mean of its members' energies is the prediction and their spread
/// (population standard deviation over the M members) the uncertainty, scored with the same metrics as std_E.
/// </summary>
public sealed record EnsembleEvaluation
{
    /// <summary>Number of members M.</summary>
    public required int Members { get; init; }

    /// <summary>Test metrics of the ensemble mean; the uncertainty block scores the spread (as std_E).</summary>
    public required EvaluationReport Test { get; init; }

    /// <summary>Per test structure: ensemble-mean energy and spread (in <see cref="StructureOutcome.StdE"/>).</summary>
    public required IReadOnlyList<StructureOutcome> Structures { get; init; }

    /// <summary>Mean spread on the out-of-domain structures (eV), when they were given.</summary>
    public double? OodMeanSpread { get; init; }

    /// <summary>Training seconds of all members together.</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Combines the members' test predictions (all must cover the same test structures in the same order).</summary>
    /// <exception cref="ArgumentException">Fewer than two members, or members evaluated on different test sets.</exception>
    public static EnsembleEvaluation Combine(IReadOnlyList<RunEvaluation> members)
    {
        if (members.Count < 2) throw new ArgumentException($"An ensemble needs at least 2 members, got {members.Count}.", nameof(members));
        int n = members[0].Structures.Count;
        if (members.Any(m => m.Structures.Count != n))
            throw new ArgumentException("The ensemble members were evaluated on test sets of different sizes.", nameof(members));
        var outcomes = new List<StructureOutcome>(n);
        var predictions = new List<StructurePrediction>(n);
        var energies = new double[members.Count];
        for (int i = 0; i < n; i++)
        {
            var first = members[0].Structures[i];
            for (int m = 0; m < members.Count; m++)
            {
                var s = members[m].Structures[i];
                if (s.Atoms != first.Atoms || s.TrueEnergy != first.TrueEnergy)
                    throw new ArgumentException($"Ensemble member {m} has a different test structure at index {i}.", nameof(members));
                energies[m] = s.PredictedEnergy;
            }
            var (mean, spread) = Spread(energies);
            outcomes.Add(first with { PredictedEnergy = mean, StdE = spread, Entropy = null });
            predictions.Add(new StructurePrediction { Domain = first.Domain, AtomCount = first.Atoms, TrueEnergy = first.TrueEnergy, PredictedEnergy = mean, StdE = spread });
        }
        double? ood = null;
        int nOod = members[0].OodEnergies.Count;
        if (nOod > 0 && members.All(m => m.OodEnergies.Count == nOod))
        {
            double sum = 0;
            for (int i = 0; i < nOod; i++)
            {
                for (int m = 0; m < members.Count; m++) energies[m] = members[m].OodEnergies[i];
                sum += Spread(energies).Spread;
            }
            ood = sum / nOod;
        }
        return new EnsembleEvaluation
        {
            Members = members.Count,
            Test = EvaluationReport.Compute(predictions),
            Structures = outcomes,
            OodMeanSpread = ood,
            TrainSeconds = members.Sum(m => m.TrainSeconds),
        };
    }

    /// <summary>Mean and population standard deviation of <paramref name="values"/>.</summary>
    public static (double Mean, double Spread) Spread(ReadOnlySpan<double> values)
    {
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= values.Length;
        double ss = 0;
        foreach (double v in values) ss += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(ss / values.Length));
    }
}
