using CatPot.Chemistry;

namespace CatPot.Labelling;

/// <summary>
/// A reference method that computes energy (eV) and forces (eV/Å) for one structure: GFN2-xTB
/// (<see cref="XtbLabeller"/>), any external program (<see cref="ExternalCommandLabeller"/>), or a fake in tests.
/// </summary>
/// <remarks>
/// A labeller never throws for a calculation that went wrong (crash, timeout, non-convergence, unreadable output):
/// it returns a failed <see cref="LabelOutcome"/> whose reason the caller logs before skipping the frame.
/// It throws <see cref="LabellerUnavailableException"/> only when it cannot run at all (program not installed).
/// </remarks>
public interface ILabeller
{
    /// <summary>A short name for logs and provenance, e.g. <c>GFN2-xTB</c>.</summary>
    string Method { get; }

    /// <summary>Labels the structure's current positions, charge and spin; the structure is not modified.</summary>
    LabelOutcome Label(Structure structure, CancellationToken cancellation = default);
}

/// <summary>The result of one labelling call.</summary>
/// <param name="Energy">Total energy, eV (NaN when failed).</param>
/// <param name="Forces">Forces, eV/Å, flat atom-major (null when failed).</param>
/// <param name="Failure">Why the call failed, or null on success.</param>
/// <param name="Seconds">Wall time of the call.</param>
public sealed record LabelOutcome(double Energy, double[]? Forces, string? Failure, double Seconds)
{
    /// <summary>True when energy and forces are present and finite.</summary>
    public bool Succeeded => Failure is null;

    /// <summary>A successful outcome, or a failed one when any number is not finite or the force count is wrong.</summary>
    public static LabelOutcome Checked(double energy, double[] forces, int atomCount, double seconds)
    {
        if (forces.Length != 3 * atomCount)
            return Failed($"{forces.Length / 3.0:G} force rows for {atomCount} atoms", seconds);
        if (!double.IsFinite(energy)) return Failed("non-finite energy", seconds);
        foreach (double f in forces)
            if (!double.IsFinite(f)) return Failed("non-finite force component", seconds);
        return new LabelOutcome(energy, forces, null, seconds);
    }

    /// <summary>A failed outcome with its reason.</summary>
    public static LabelOutcome Failed(string reason, double seconds) => new(double.NaN, null, reason, seconds);
}

/// <summary>The labelling program cannot be run at all (not installed, not executable); the message says how to fix it.</summary>
public sealed class LabellerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
