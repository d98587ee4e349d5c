using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Models;
using CatPot.Training;

namespace CatPot.Tests.Training;

/// <summary>
/// The training statistics computed the plain way, from a training set in memory (dense least squares in
/// <see cref="DatasetStatistics.Compute"/>, then several passes): the reference that the trainer's one-pass
/// <c>TrainingSetScan</c> is checked against. It was the trainer's own code before the scan replaced it.
/// </summary>
internal static class InMemoryStatistics
{
    /// <summary>Element references, charge terms, normalisation and HL-Gauss support from an in-memory training set.</summary>
    /// <param name="train">The training structures.</param>
    /// <param name="elementReferences">Given reference energies (E0s, indexed by Z), or null to fit them by least squares.</param>
    public static PotentialStatistics Compute(IReadOnlyList<Structure> train, double[]? elementReferences = null)
    {
        var d = DatasetStatistics.Compute(train);
        var stats = new PotentialStatistics { ElementReferences = [.. d.ReferenceEnergies], Charge = d.Charge, Mu = d.Mu, Sd = d.Sd > 0 ? d.Sd : 1, ForceRms = d.ForceRms > 0 ? d.ForceRms : 1 };
        if (elementReferences is not null) stats = WithReferences(stats, train, elementReferences);
        var yn = train.Where(s => s.Energy is not null).Select(s => Trainer.NormalizedTarget(stats, s)).ToArray();
        var (lo, hi) = HLGaussSupport.RangeFromTargets(yn);
        return stats with { Lo = lo, Hi = hi };
    }

    // The given E0s replace the fitted ones (and the charge terms, which were fitted with them: isolated-atom
    // E0s come with single-molecule data); mu and sd are those of the per-atom energies referenced to them.
    private static PotentialStatistics WithReferences(PotentialStatistics stats, IReadOnlyList<Structure> train, double[] references)
    {
        var refs = new double[stats.ElementReferences.Length];
        references.AsSpan(0, Math.Min(references.Length, refs.Length)).CopyTo(refs);
        foreach (var s in train)
            foreach (int z in s.Numbers)
                if (refs[z] == 0) throw new ArgumentException($"The reference energies (E0s) have none for Z = {z}, which occurs in the training set.");
        var y = train.Where(s => s.Energy is not null).Select(s => ((double)s.Energy! - s.Numbers.Sum(z => refs[z])) / s.AtomCount).ToArray();
        double mu = y.Average(), sd = Math.Sqrt(y.Sum(v => (v - mu) * (v - mu)) / y.Length);
        return stats with { ElementReferences = refs, Charge = ChargeReference.None, Mu = mu, Sd = sd > 0 ? sd : 1 };
    }
}
