using CatPot.Chemistry;
using CatPot.Evaluation;
using CatPot.Models;
using CatPot.Training;

namespace CatPot.Experiments;

/// <summary>Evaluates a finished run's best model on the test (and out-of-domain) structures.</summary>
public static class RunEvaluator
{
    /// <summary>Predicts with <paramref name="model"/> and collects what the tables and figures need.</summary>
    public static RunEvaluation Evaluate(string cell, int seed, Potential<float> model, IReadOnlyList<EpochRecord> history, ExperimentData data, int maxAtoms)
    {
        var predictions = PotentialPredictor.Predict(model, data.Test, conservativeForces: false, maxAtoms);
        var compared = PotentialPredictor.Compare(model, data.Test, predictions);
        var report = EvaluationReport.Compute(compared);
        var outcomes = compared.Select(p => new StructureOutcome
        {
            Domain = p.Domain,
            Atoms = p.AtomCount,
            TrueEnergy = p.TrueEnergy,
            PredictedEnergy = p.PredictedEnergy,
            Entropy = p.Entropy,
            StdE = p.StdE,
        }).ToList();

        double? oodEntropy = null, oodStd = null;
        var oodEnergies = new List<double>();
        if (data.Ood.Count > 0)
        {
            var ood = PotentialPredictor.Predict(model, data.Ood, conservativeForces: false, maxAtoms);
            oodEnergies.AddRange(ood.Select(p => p.Energy));
            if (ood.All(p => p.Entropy is not null)) oodEntropy = ood.Average(p => p.Entropy!.Value);
            if (ood.All(p => p.EnergyStd is not null)) oodStd = ood.Average(p => p.EnergyStd!.Value);
        }

        return new RunEvaluation
        {
            Cell = cell,
            Seed = seed,
            Epochs = history.Count,
            TrainSeconds = history.Sum(h => h.TrainSeconds),
            BestValidationScore = history.Count == 0 ? double.NaN : history.Min(h => h.ValidationScore),
            History = [.. history],
            Test = report,
            Structures = outcomes,
            Histograms = PickHistograms(model, data.Test, compared, predictions),
            TestOutsideSupport = PotentialPredictor.Coverage(model, data.Test, predictions)?.Outside,
            TestNearEdge = PotentialPredictor.Coverage(model, data.Test, predictions)?.NearEdge,
            OodMeanEntropy = oodEntropy,
            OodMeanStdE = oodStd,
            OodEnergies = oodEnergies,
        };
    }

    /// <summary>The structures with the smallest, median, 90th-percentile and largest |ΔE|, with their predicted histograms.</summary>
    private static List<HistogramExample> PickHistograms(Potential<float> model, IReadOnlyList<Structure> test, List<StructurePrediction> compared, PredictedStructure[] predictions)
    {
        if (model.Head.BinCount == 0 || compared.Count == 0) return [];
        // Compare keeps labelled structures in order; the experiment's test set holds only labelled ones.
        var order = Enumerable.Range(0, compared.Count).OrderBy(i => compared[i].PredictedEnergy - compared[i].TrueEnergy is var d ? Math.Abs(d) : 0).ToArray();
        var picks = new (string Reason, int Rank)[]
        {
            ("smallest error", 0),
            ("median error", order.Length / 2),
            ("90th percentile error", (int)(0.9 * (order.Length - 1))),
            ("largest error", order.Length - 1),
        };
        var stats = model.Statistics;
        var list = new List<HistogramExample>();
        foreach (var (reason, rank) in picks)
        {
            int i = order[rank];
            if (list.Any(h => h.Index == i)) continue;
            var s = test[i];
            double yn = Trainer.NormalizedTarget(stats, s), point = predictions[i].NormalizedEnergy;
            var target = new double[model.Head.BinCount];
            model.Head.Target(yn, point, target);
            list.Add(new HistogramExample
            {
                Index = i,
                Reason = reason,
                Domain = compared[i].Domain,
                AbsError = Math.Abs(compared[i].PredictedEnergy - compared[i].TrueEnergy),
                TrueValue = yn,
                Edges = model.Head.HistogramEdges(point)!,
                Target = target,
                Probabilities = predictions[i].Probabilities!,
            });
        }
        return list;
    }
}
