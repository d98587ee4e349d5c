using System.Globalization;
using CatPot.IO;

namespace CatPot.Chemistry;

/// <summary>
/// Physical sanity checks every reader applies before handing a <see cref="Structure"/> on: known
/// elements, finite positions/forces/energy, spin multiplicity ≥ 1, a well-formed cell, and no two
/// atoms closer than a limit (0.1 Å by default — such frames are almost always a unit or parsing error).
/// </summary>
public static class StructureValidator
{
    /// <summary>Default close-contact limit in Å.</summary>
    public const double DefaultMinDistance = 0.1;

    // Below this size the all-pairs scan is cheaper than sorting.
    private const int AllPairsLimit = 2000;

    /// <summary>
    /// Throws <see cref="StructureFormatException"/> naming the file, frame and line of the first problem found.
    /// </summary>
    /// <param name="structure">The structure to check.</param>
    /// <param name="filePath">File it came from (for the message).</param>
    /// <param name="frameIndex">0-based frame index, when known.</param>
    /// <param name="commentLine">Line of per-frame data (energy, spin), when the format has lines.</param>
    /// <param name="firstAtomLine">Line of atom 0; atom k is on <c>firstAtomLine + k</c>.</param>
    /// <param name="minDistance">Close-contact limit in Å; 0 skips that check.</param>
    public static void Validate(Structure structure, string filePath, int? frameIndex,
        long? commentLine = null, long? firstAtomLine = null, double minDistance = DefaultMinDistance)
    {
        int n = structure.AtomCount;
        long? AtomLine(int atom) => firstAtomLine + atom;
        StructureFormatException Fail(long? line, string message) => new(filePath, frameIndex, line, message);

        if (n == 0) throw Fail(commentLine, "expected at least one atom but the frame has none.");
        var numbers = structure.Numbers;
        for (int i = 0; i < n; i++)
            if (numbers[i] is < 1 or > Elements.MaxAtomicNumber)
                throw Fail(AtomLine(i), Invariant($"atom {i}: expected an atomic number 1..118 but found {numbers[i]}."));

        CheckFinite(structure.Positions, "position", filePath, frameIndex, firstAtomLine);
        if (structure.Forces is { } forces)
        {
            if (forces.Length != 3 * n)
                throw Fail(commentLine, Invariant($"expected {3 * n} force components for {n} atoms but found {forces.Length}."));
            CheckFinite(forces, "force", filePath, frameIndex, firstAtomLine);
        }
        if (structure.Energy is double e && !double.IsFinite(e))
            throw Fail(commentLine, Invariant($"expected a finite energy but found {e}."));
        if (structure.Spin < 1)
            throw Fail(commentLine, Invariant($"expected a spin multiplicity 2S+1 ≥ 1 but found {structure.Spin} (1 = singlet, 2 = doublet, …)."));
        if (structure.Cell is { } cell)
        {
            if (cell.Length != 9)
                throw Fail(commentLine, Invariant($"expected a cell of 9 numbers (three lattice vectors) but found {cell.Length}."));
            foreach (double c in cell)
                if (!double.IsFinite(c)) throw Fail(commentLine, Invariant($"expected finite cell components but found {c}."));
        }
        if (structure.Pbc.Length != 3)
            throw Fail(commentLine, Invariant($"expected 3 periodicity flags but found {structure.Pbc.Length}."));

        if (minDistance > 0 && TryFindCloseContact(structure.Positions, minDistance, out int a, out int b, out double d))
            throw Fail(AtomLine(b), Invariant(
                $"atoms {a} and {b} are {d:G6} Å apart; expected no two atoms closer than {minDistance} Å (duplicated atom or positions not in Å?)."));
    }

    /// <summary>Largest atomic number the model contract embeds (its Z table has rows 0..100).</summary>
    public const int ModelMaxAtomicNumber = 100;

    /// <summary>Largest |total charge| the model contract embeds (charges −10..+10).</summary>
    public const int ModelMaxAbsCharge = 10;

    /// <summary>Largest spin multiplicity the model contract embeds (2S+1 = 1..11).</summary>
    public const int ModelMaxSpin = 11;

    /// <summary>
    /// Throws <see cref="StructureFormatException"/> when the model cannot evaluate the frame: an element beyond
    /// Z = 100, a total charge outside ±10, a spin multiplicity above 11 (the sizes of the model's embedding
    /// tables), or a periodic direction (periodic systems are not supported yet); with
    /// <paramref name="requireEnergy"/>, also when the frame has no energy label.
    /// </summary>
    /// <param name="structure">A frame that passed <see cref="Validate"/>.</param>
    /// <param name="filePath">File it came from (for the message).</param>
    /// <param name="frameIndex">0-based frame index, when known.</param>
    /// <param name="requireEnergy">Refuse a frame without an energy (training and validation data).</param>
    /// <param name="commentLine">Line of per-frame data (energy, charge, spin, pbc), when the format has lines.</param>
    /// <param name="firstAtomLine">Line of atom 0; atom k is on <c>firstAtomLine + k</c>.</param>
    public static void ValidateModelInputs(Structure structure, string filePath, int? frameIndex, bool requireEnergy,
        long? commentLine = null, long? firstAtomLine = null)
    {
        ValidateLabelsAndDomain(structure, filePath, frameIndex, checkModelDomain: true, requireEnergy, commentLine, firstAtomLine);
    }

    /// <summary>
    /// The checks <see cref="ExtXyzReaderOptions.RequireModelInputs"/> and <see cref="ExtXyzReaderOptions.RequireEnergy"/>
    /// ask for, each when its flag is set (see <see cref="ValidateModelInputs"/>).
    /// </summary>
    public static void ValidateLabelsAndDomain(Structure structure, string filePath, int? frameIndex, bool checkModelDomain, bool requireEnergy,
        long? commentLine = null, long? firstAtomLine = null)
    {
        if (checkModelDomain && FindModelInputProblem(structure, out int atom) is { } problem)
            throw new StructureFormatException(filePath, frameIndex, atom >= 0 ? firstAtomLine + atom : commentLine, problem);
        if (requireEnergy && structure.Energy is null)
            throw new StructureFormatException(filePath, frameIndex, commentLine,
                "expected an energy label (every training and validation frame needs one) but the frame has none; "
                + "give it an energy (extxyz: energy=… on the comment line, or a SinglePointCalculator in ASE) or leave the frame out.");
    }

    /// <summary>
    /// Why the model cannot evaluate <paramref name="structure"/>, or null when it can (see <see cref="ValidateModelInputs"/>);
    /// <paramref name="atom"/> is the offending atom, or −1 when the problem is the whole frame's.
    /// </summary>
    public static string? FindModelInputProblem(Structure structure, out int atom)
    {
        atom = -1;
        var numbers = structure.Numbers;
        for (int i = 0; i < numbers.Length; i++)
        {
            if (numbers[i] <= ModelMaxAtomicNumber) continue;
            atom = i;
            return Invariant($"atom {i}: {Elements.Symbol(numbers[i])} (Z = {numbers[i]}) is beyond the elements the model supports (Z = 1..{ModelMaxAtomicNumber}); leave such frames out.");
        }
        if (structure.Charge is < -ModelMaxAbsCharge or > ModelMaxAbsCharge)
            return Invariant($"total charge {structure.Charge} is outside the charges the model supports (−{ModelMaxAbsCharge}..+{ModelMaxAbsCharge}); is the charge key right?");
        if (structure.Spin > ModelMaxSpin)
            return Invariant($"spin multiplicity {structure.Spin} is above the multiplicities the model supports (2S+1 = 1..{ModelMaxSpin}); is the spin key a multiplicity (not a number of unpaired electrons or a magnetic moment)?");
        if (structure.Pbc.Any(p => p))
            return $"the frame is periodic (pbc = \"{string.Join(' ', structure.Pbc.Select(p => p ? 'T' : 'F'))}\"), and CatPot evaluates molecules only (periodic systems are not supported yet); "
                + "if the cell is only a bounding box, write pbc=\"F F F\" (ASE: atoms.pbc = False).";
        return null;
    }

    /// <summary>
    /// Finds a pair of atoms closer than <paramref name="minDistance"/> (direct distance, no periodic images).
    /// When several pairs are too close, returns the one with the smallest (i, j), i &lt; j.
    /// Runs all pairs below 2000 atoms and a sort-and-sweep along x above, so big frames stay fast.
    /// </summary>
    public static bool TryFindCloseContact(ReadOnlySpan<double> positions, double minDistance, out int i, out int j, out double distance)
    {
        int n = positions.Length / 3;
        double limit2 = minDistance * minDistance;
        i = -1; j = -1; distance = double.NaN;
        if (n <= AllPairsLimit)
        {
            for (int p = 0; p < n; p++)
            {
                double xp = positions[3 * p], yp = positions[3 * p + 1], zp = positions[3 * p + 2];
                for (int q = p + 1; q < n; q++)
                {
                    double dx = positions[3 * q] - xp, dy = positions[3 * q + 1] - yp, dz = positions[3 * q + 2] - zp;
                    double r2 = dx * dx + dy * dy + dz * dz;
                    if (r2 < limit2)
                    {
                        i = p; j = q; distance = Math.Sqrt(r2);
                        return true;
                    }
                }
            }
            return false;
        }

        var order = new int[n];
        var xs = new double[n];
        for (int k = 0; k < n; k++) { order[k] = k; xs[k] = positions[3 * k]; }
        Array.Sort(xs, order);
        for (int s = 0; s < n; s++)
        {
            int p = order[s];
            for (int t = s + 1; t < n && xs[t] - xs[s] < minDistance; t++)
            {
                int q = order[t];
                double dx = positions[3 * q] - positions[3 * p], dy = positions[3 * q + 1] - positions[3 * p + 1], dz = positions[3 * q + 2] - positions[3 * p + 2];
                double r2 = dx * dx + dy * dy + dz * dz;
                if (r2 >= limit2) continue;
                int lo = Math.Min(p, q), hi = Math.Max(p, q);
                if (i < 0 || lo < i || (lo == i && hi < j)) { i = lo; j = hi; distance = Math.Sqrt(r2); }
            }
        }
        return i >= 0;
    }

    private static void CheckFinite(double[] values, string what, string filePath, int? frameIndex, long? firstAtomLine)
    {
        for (int k = 0; k < values.Length; k++)
        {
            if (double.IsFinite(values[k])) continue;
            int atom = k / 3;
            throw new StructureFormatException(filePath, frameIndex, firstAtomLine + atom,
                Invariant($"atom {atom}: expected a finite {what} component {"xyz"[k % 3]} but found {values[k]}."));
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
