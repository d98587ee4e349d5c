using CatPot.Chemistry;
using CatPot.Data;
using CatPot.Models;
using CatPot.Training;

namespace CatPot.Tests.Training;

/// <summary>
/// The training statistics computed the plain way, from a training set in memory (the structures × columns matrix solved
/// by the SVD of <see cref="LeastSquares"/>, then several passes): the reference that the trainer's one-pass
/// <c>TrainingSetScan</c> (and <see cref="DatasetStatistics.Compute"/>, which share its streaming QR) is checked against.
/// It was the trainer's own code before the scan replaced it.
/// </summary>
internal static class InMemoryStatistics
{
    /// <summary>Element references, charge terms, normalisation and HL-Gauss support from an in-memory training set.</summary>
    /// <param name="train">The training structures.</param>
    /// <param name="elementReferences">Given reference energies (E0s, indexed by Z), or null to fit them by least squares.</param>
    public static PotentialStatistics Compute(IReadOnlyList<Structure> train, double[]? elementReferences = null)
    {
        var d = DatasetStatistics.Compute(train);
        var (refs, charge) = DenseReferenceFit(train);
        var y = train.Where(s => s.Energy is not null)
            .Select(s => ((double)s.Energy! - s.Numbers.Sum(z => refs[z]) - charge.Energy(s.Charge)) / s.AtomCount).ToArray();
        double mu = y.Average(), sd = Math.Sqrt(y.Sum(v => (v - mu) * (v - mu)) / y.Length);
        var stats = new PotentialStatistics { ElementReferences = refs, Charge = charge, Mu = mu, Sd = sd > 0 ? sd : 1, ForceRms = d.ForceRms > 0 ? d.ForceRms : 1 };
        if (elementReferences is not null) stats = WithReferences(stats, train, elementReferences);
        var yn = train.Where(s => s.Energy is not null).Select(s => Trainer.NormalizedTarget(stats, s)).ToArray();
        var (lo, hi) = HLGaussSupport.RangeFromTargets(yn);
        return stats with { Lo = lo, Hi = hi };
    }

    // Least squares of the energies on the element counts (columns: the elements that occur, ascending Z) and Q, Q², as
    // one dense matrix solved by the SVD with numpy's default rank threshold.
    private static (double[] References, ChargeReference Charge) DenseReferenceFit(IReadOnlyList<Structure> train)
    {
        var labelled = train.Where(s => s.Energy is not null).ToList();
        var elements = labelled.SelectMany(s => s.Numbers).Distinct().Order().ToList();
        int m = labelled.Count, ke = elements.Count, k = ke + 2;
        var a = new double[m * k];
        var b = new double[m];
        for (int row = 0; row < m; row++)
        {
            var st = labelled[row];
            foreach (int z in st.Numbers) a[(elements.IndexOf(z) * m) + row] += 1.0;
            a[(ke * m) + row] = st.Charge;
            a[((ke + 1) * m) + row] = st.Charge * (double)st.Charge;
            b[row] = st.Energy!.Value;
        }
        double[] x = LeastSquares.SolveMinimumNorm(a, m, k, b);
        var refs = new double[DatasetStatistics.ElementSlots];
        for (int c = 0; c < ke; c++) refs[elements[c]] = x[c];
        return (refs, new ChargeReference(x[ke], x[ke + 1]));
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
