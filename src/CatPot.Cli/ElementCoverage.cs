using CatPot.Chemistry;
using CatPot.Models;

namespace CatPot.Cli;

/// <summary>
/// Which elements of the structures a command predicts the model has no reference energy for. Such an element was not
/// in the model's training data (reference energies are fitted on it), so every energy with it is an extrapolation:
/// the commands still predict, and say so on stderr (and in <c>--json</c> as <c>"warnings"</c>).
/// </summary>
public sealed class ElementCoverage
{
    private readonly double[] _references;
    private readonly SortedDictionary<int, (long Atoms, long Structures)> _missing = [];

    /// <summary>Starts counting for <paramref name="model"/>.</summary>
    public ElementCoverage(Potential<float> model) => _references = model.Statistics.ElementReferences;

    /// <summary>Atomic numbers seen that the model has no reference energy for, ascending.</summary>
    public IReadOnlyCollection<int> MissingElements => _missing.Keys;

    /// <summary>Counts the elements of one structure.</summary>
    public void Add(Structure structure)
    {
        int previous = -1;
        foreach (int z in structure.Numbers.Order())
        {
            if ((uint)z < (uint)_references.Length && _references[z] != 0.0) continue;
            _missing.TryGetValue(z, out var c);
            _missing[z] = (c.Atoms + 1, c.Structures + (z != previous ? 1 : 0));
            previous = z;
        }
    }

    /// <summary>One warning per missing element (empty when the model covers every element seen).</summary>
    public IReadOnlyList<string> Warnings() =>
    [
        .. _missing.Select(kv =>
            $"the model has no reference energy for {Name(kv.Key)} (not in its training data): the energies of the {kv.Value.Structures} structure(s) with it ({kv.Value.Atoms} atom(s)) are extrapolations"),
    ];

    /// <summary>The warnings for <paramref name="structures"/> (see <see cref="Warnings()"/>).</summary>
    public static IReadOnlyList<string> Warnings(Potential<float> model, IEnumerable<Structure> structures)
    {
        var coverage = new ElementCoverage(model);
        foreach (var s in structures) coverage.Add(s);
        return coverage.Warnings();
    }

    private static string Name(int z)
    {
        try
        {
            return $"{Elements.Symbol(z)} (Z = {z})";
        }
        catch (ArgumentException)
        {
            return $"Z = {z}";
        }
    }
}
