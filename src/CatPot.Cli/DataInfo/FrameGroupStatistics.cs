using CatPot.Chemistry;

namespace CatPot.Cli.DataInfo;

/// <summary>
/// Running size, energy and force statistics of a group of frames (a whole dataset or one domain),
/// accumulated in frame order so the result is deterministic.
/// </summary>
public sealed class FrameGroupStatistics
{
    private int _minAtoms = int.MaxValue, _maxAtoms;
    private double _energyMin = double.PositiveInfinity, _energyMax = double.NegativeInfinity, _energySum;
    private double _perAtomMin = double.PositiveInfinity, _perAtomMax = double.NegativeInfinity, _perAtomSum;
    private double _forceSquareSum, _forceNormSum, _forceNormMax;

    /// <summary>Frames added.</summary>
    public int Frames { get; private set; }

    /// <summary>Atoms in all frames added.</summary>
    public long Atoms { get; private set; }

    /// <summary>Frames with an energy label.</summary>
    public int EnergyFrames { get; private set; }

    /// <summary>Frames with force labels.</summary>
    public int ForceFrames { get; private set; }

    /// <summary>Atoms in the frames with force labels.</summary>
    public long ForceAtoms { get; private set; }

    /// <summary>Adds one frame.</summary>
    public void Add(Structure structure)
    {
        int n = structure.AtomCount;
        Frames++;
        Atoms += n;
        _minAtoms = Math.Min(_minAtoms, n);
        _maxAtoms = Math.Max(_maxAtoms, n);

        if (structure.Energy is double e)
        {
            EnergyFrames++;
            _energyMin = Math.Min(_energyMin, e);
            _energyMax = Math.Max(_energyMax, e);
            _energySum += e;
            double perAtom = e / n;
            _perAtomMin = Math.Min(_perAtomMin, perAtom);
            _perAtomMax = Math.Max(_perAtomMax, perAtom);
            _perAtomSum += perAtom;
        }

        if (structure.Forces is { } forces)
        {
            ForceFrames++;
            ForceAtoms += n;
            for (int i = 0; i < n; i++)
            {
                double fx = forces[3 * i], fy = forces[3 * i + 1], fz = forces[3 * i + 2];
                double square = fx * fx + fy * fy + fz * fz;
                _forceSquareSum += square;
                double norm = Math.Sqrt(square);
                _forceNormSum += norm;
                _forceNormMax = Math.Max(_forceNormMax, norm);
            }
        }
    }

    /// <summary>Atoms per frame: total, min, mean, max (nulls when there are no frames).</summary>
    public DataInfoReport.AtomCounts AtomCounts() => Frames == 0
        ? new(0, null, null, null)
        : new(Atoms, _minAtoms, (double)Atoms / Frames, _maxAtoms);

    /// <summary>Energy statistics over the labelled frames (nulls when none is labelled).</summary>
    public DataInfoReport.EnergyStatistics EnergyStatistics() => EnergyFrames == 0
        ? new(0, new(null, null, null), new(null, null, null))
        : new(EnergyFrames,
            new(_energyMin, _energySum / EnergyFrames, _energyMax),
            new(_perAtomMin, _perAtomSum / EnergyFrames, _perAtomMax));

    /// <summary>Force statistics over the labelled frames (nulls when none is labelled).</summary>
    public DataInfoReport.ForceStatistics ForceStatistics() => ForceAtoms == 0
        ? new(ForceFrames, ForceAtoms, null, null, null)
        : new(ForceFrames, ForceAtoms,
            Math.Sqrt(_forceSquareSum / (3.0 * ForceAtoms)),
            _forceNormSum / ForceAtoms,
            _forceNormMax);
}
