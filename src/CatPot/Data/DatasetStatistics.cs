using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using CatPot.Chemistry;

namespace CatPot.Data;

/// <summary>
/// Training-set statistics that normalise the model's targets (see the model contract): element reference
/// energies fitted by least squares of total energy on element counts (with two structure-level columns beside them:
/// total charge Q and Q², see <see cref="ChargeTerms"/>), the mean and population standard
/// deviation of the referenced per-atom energy <c>y = (E − Σ ref[Z]) / N</c>, the RMS of force components,
/// and atom counts per element. Everything is computed in double precision and serialises to JSON so it
/// can be stored with a model.
/// </summary>
public sealed class DatasetStatistics
{
    /// <summary>Length of the per-element arrays: index Z for Z = 0..118 (index 0 unused).</summary>
    public const int ElementSlots = Elements.MaxAtomicNumber + 1;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Element reference energies in eV, indexed by Z (length <see cref="ElementSlots"/>); 0 for elements absent from the fit.</summary>
    public double[] ReferenceEnergies { get; init; } = new double[ElementSlots];

    /// <summary>
    /// Structure-level reference terms fitted with the element references, in eV: [0] per elementary charge Q, [1] per
    /// Q². Zero where the training set does not vary Q (the minimum-norm solution leaves a column of zeros at zero), so
    /// neutral data get element references only.
    /// </summary>
    public double[] ChargeTerms { get; init; } = new double[2];

    /// <summary>Number of atoms of each element over all structures, indexed by Z (length <see cref="ElementSlots"/>).</summary>
    public long[] ElementCounts { get; init; } = new long[ElementSlots];

    /// <summary>Mean of the referenced per-atom energy y (eV/atom).</summary>
    [JsonPropertyName("mu")]
    public double Mu { get; init; }

    /// <summary>Population standard deviation of y (eV/atom).</summary>
    [JsonPropertyName("sd")]
    public double Sd { get; init; }

    /// <summary>Smallest y in the set (eV/atom); with <see cref="YMax"/> it gives the HL-Gauss support.</summary>
    [JsonPropertyName("y_min")]
    public double YMin { get; init; }

    /// <summary>Largest y in the set (eV/atom).</summary>
    [JsonPropertyName("y_max")]
    public double YMax { get; init; }

    /// <summary>Root mean square of all force components (eV/Å); 0 when no structure has forces.</summary>
    public double ForceRms { get; init; }

    /// <summary>Number of structures seen.</summary>
    public int StructureCount { get; init; }

    /// <summary>Number of structures with an energy (those used for the references, mu and sd).</summary>
    public int EnergyCount { get; init; }

    /// <summary>Total number of atoms.</summary>
    public long AtomCount { get; init; }

    /// <summary>Number of force components averaged in <see cref="ForceRms"/>.</summary>
    public long ForceComponentCount { get; init; }

    /// <summary>The charge terms as a <see cref="ChargeReference"/>.</summary>
    [JsonIgnore]
    public ChargeReference Charge => new(ChargeTerms[0], ChargeTerms[1]);

    /// <summary>Σ_i ref[Z_i] over the atoms plus the charge terms, in eV.</summary>
    public double ReferenceEnergy(Structure structure)
    {
        double sum = Charge.Energy(structure.Charge);
        foreach (int z in structure.Numbers) sum += ReferenceEnergies[z];
        return sum;
    }

    /// <summary>Referenced per-atom energy <c>y = (E − reference) / N</c> of a labelled structure, in eV/atom.</summary>
    public double PerAtomReferencedEnergy(Structure structure)
    {
        double e = structure.Energy ?? throw new ArgumentException("The structure has no energy.", nameof(structure));
        return (e - ReferenceEnergy(structure)) / structure.AtomCount;
    }

    /// <summary>Computes the statistics of a training set.</summary>
    /// <param name="structures">The training structures; those without energy only count towards forces and element counts.</param>
    /// <exception cref="ArgumentException">No structure has an energy, or a structure has no atoms or an atomic number out of range.</exception>
    public static DatasetStatistics Compute(IReadOnlyList<Structure> structures)
    {
        var counts = new long[ElementSlots];
        long atoms = 0, forceComponents = 0;
        double forceSquares = 0;
        int labelled = 0;
        for (int s = 0; s < structures.Count; s++)
        {
            var st = structures[s];
            if (st.AtomCount == 0) throw new ArgumentException($"Structure {s} has no atoms; per-atom energies need at least one.", nameof(structures));
            foreach (int z in st.Numbers)
            {
                if (z < 1 || z >= ElementSlots) throw new ArgumentException($"Structure {s} has atomic number {z}; expected 1..{ElementSlots - 1}.", nameof(structures));
                counts[z]++;
            }
            atoms += st.AtomCount;
            if (st.Energy.HasValue) labelled++;
            if (st.Forces is not null)
            {
                foreach (double f in st.Forces) forceSquares += f * f;
                forceComponents += st.Forces.Length;
            }
        }
        if (labelled == 0) throw new ArgumentException("No structure has an energy, so reference energies cannot be fitted.", nameof(structures));

        // One row per labelled structure: its element counts, Q and Q² (zero columns, hence zero coefficients, for
        // neutral data).
        var fit = new StreamingLeastSquares(ReferenceFitColumns);
        var present = new bool[ElementSlots];
        var perElement = new int[ElementSlots];
        var composition = new List<(int Z, int Count)>();
        int m = 0;
        foreach (var st in structures)
        {
            if (st.Energy is not double energy) continue;
            foreach (int z in st.Numbers) perElement[z]++;
            composition.Clear();
            for (int z = 1; z < ElementSlots; z++)
            {
                if (perElement[z] == 0) continue;
                composition.Add((z, perElement[z]));
                present[z] = true;
                perElement[z] = 0;
            }
            AddReferenceRow(fit, CollectionsMarshal.AsSpan(composition), st.Charge, energy);
            m++;
        }
        double[] x = SolveReferenceFit(fit, m, present.Count(p => p));
        var refs = x[..ElementSlots];
        var fitted = new DatasetStatistics { ReferenceEnergies = refs, ChargeTerms = [x[ChargeColumn], x[ChargeSquaredColumn]] };

        var y = new double[m];
        int row = 0;
        foreach (var st in structures)
        {
            if (!st.Energy.HasValue) continue;
            y[row++] = fitted.PerAtomReferencedEnergy(st);
        }
        double mu = 0;
        foreach (double v in y) mu += v;
        mu /= m;
        double var2 = 0, lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double v in y)
        {
            var2 += (v - mu) * (v - mu);
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }

        return new DatasetStatistics
        {
            ReferenceEnergies = refs,
            ChargeTerms = fitted.ChargeTerms,
            ElementCounts = counts,
            Mu = mu,
            Sd = Math.Sqrt(var2 / m),
            YMin = lo,
            YMax = hi,
            ForceRms = forceComponents == 0 ? 0 : Math.Sqrt(forceSquares / forceComponents),
            StructureCount = structures.Count,
            EnergyCount = labelled,
            AtomCount = atoms,
            ForceComponentCount = forceComponents,
        };
    }

    /// <summary>Columns of the reference-energy least squares: the element slots (by Z), then the structure-level terms Q and Q².</summary>
    internal const int ChargeColumn = ElementSlots, ChargeSquaredColumn = ElementSlots + 1, ReferenceFitColumns = ElementSlots + 2;

    /// <summary>Adds one labelled structure to the reference-energy fit: its element counts (ascending Z), Q and Q², and its energy.</summary>
    internal static void AddReferenceRow(StreamingLeastSquares fit, ReadOnlySpan<(int Z, int Count)> composition, int charge, double energy)
    {
        Span<(int Column, double Value)> row = composition.Length + 2 <= 64 ? stackalloc (int, double)[composition.Length + 2] : new (int, double)[composition.Length + 2];
        for (int i = 0; i < composition.Length; i++) row[i] = (composition[i].Z, composition[i].Count);
        row[composition.Length] = (ChargeColumn, charge);
        row[composition.Length + 1] = (ChargeSquaredColumn, charge * (double)charge);
        fit.AddRow(row, energy);
    }

    /// <summary>
    /// The reference-energy fit's minimum-norm solution (indexed by column) over <paramref name="rows"/> structures with
    /// <paramref name="elements"/> distinct elements. The rank threshold is numpy's default for the full matrix, which always
    /// has the two charge columns: ε·max(rows, elements + 2).
    /// </summary>
    internal static double[] SolveReferenceFit(StreamingLeastSquares fit, int rows, int elements) =>
        fit.SolveMinimumNorm(LeastSquares.MachineEpsilon * Math.Max(rows, elements + 2));

    /// <summary>Serialises to indented JSON (snake_case keys).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads statistics written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">The text is not valid statistics JSON.</exception>
    public static DatasetStatistics FromJson(string json)
    {
        var stats = JsonSerializer.Deserialize<DatasetStatistics>(json, JsonOptions)
            ?? throw new JsonException("Dataset statistics JSON was 'null'; expected an object with reference_energies, mu, sd, force_rms.");
        if (stats.ChargeTerms.Length != 2)
            throw new JsonException($"Dataset statistics JSON has {stats.ChargeTerms.Length} charge terms; expected 2 (per Q, per Q²).");
        if (stats.ReferenceEnergies.Length != ElementSlots || stats.ElementCounts.Length != ElementSlots)
            throw new JsonException($"Dataset statistics JSON has {stats.ReferenceEnergies.Length} reference energies and {stats.ElementCounts.Length} element counts; expected {ElementSlots} each (index = Z).");
        return stats;
    }
}
