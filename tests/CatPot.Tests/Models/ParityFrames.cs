using CatPot.Models.Heads;
using System.Numerics;
using System.Text.Json;
using CatPot.Chemistry;
using CatPot.Graphs;
using CatPot.IO;
using CatPot.Models;
using CatPot.Tensors;

namespace CatPot.Tests.Models;

/// <summary>One frame's outputs in the shape of the peer's parity.py JSON (forces flat, atom-major).</summary>
/// <remarks><see cref="ReferenceSum"/> (Σ ref[Z], eV) is known for CatPot's frames only (NaN for the peer's).</remarks>
internal sealed record ParityFrame(int AtomCount, double Energy, double YnHat, double? Entropy, double? StdE, double[] Forces, double[] ForcesConservative,
    double ReferenceSum = double.NaN);

/// <summary>
/// Runs CatPot on fixture frames the way the peer's parity.py does, and reads parity.py's JSON.
/// </summary>
internal static class ParityFrames
{
    /// <summary>
    /// The frames with positions rounded to float32, as the peer stores them (its float64 run widens those
    /// float32 positions, so a float64 comparison needs the same rounded inputs).
    /// </summary>
    public static List<Structure> ReadRounded(string path)
    {
        var frames = ExtXyzReader.ReadAll(path);
        var rounded = new List<Structure>(frames.Count);
        foreach (var s in frames)
        {
            var pos = new double[s.Positions.Length];
            for (int i = 0; i < pos.Length; i++) pos[i] = (float)s.Positions[i];
            rounded.Add(new Structure((int[])s.Numbers.Clone(), pos, s.Charge, s.Spin));
        }
        return rounded;
    }

    /// <summary>Evaluates <paramref name="model"/> on every frame, each as its own graph or all as one batch.</summary>
    /// <param name="model">The model.</param>
    /// <param name="frames">The structures.</param>
    /// <param name="oneBatch">All frames as one disjoint graph, or each frame alone.</param>
    /// <param name="float32BinCentres">
    /// HL-Gauss only: read the histogram with bin centres rounded to float32, as the peer's <c>--double</c> run does
    /// (its centres are a float32 buffer widened by <c>model.double()</c>); ŷ_n, E, std_E and −∂E/∂R then follow
    /// the peer's float64 arithmetic exactly.
    /// </param>
    public static List<ParityFrame> Evaluate<T>(Potential<T> model, IReadOnlyList<Structure> frames, bool oneBatch, bool float32BinCentres = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        model.Parameters.SetRequiresGrad(false);
        var builder = new NeighborListBuilder(model.Config.Cutoff);
        var result = new List<ParityFrame>(frames.Count);
        if (oneBatch)
        {
            result.AddRange(Run(model, GraphBatch.Create(frames, builder), float32BinCentres));
        }
        else
        {
            foreach (var f in frames) result.AddRange(Run(model, GraphBatch.Create([f], builder), float32BinCentres));
        }
        return result;
    }

    private static List<ParityFrame> Run<T>(Potential<T> model, GraphBatch batch, bool float32BinCentres) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var input = ModelInput<T>.FromBatch(batch);
        if (float32BinCentres && model.Config.Head is HLGaussHeadConfig) return RunWithFloat32Centres(model, batch, input);
        var o = model.Forward(input, directForces: true, conservativeForces: true);
        var fd = o.DirectForces!.Data;
        var fc = o.ConservativeForces!.Data;
        var refs = model.ReferenceSums(input);
        var frames = new List<ParityFrame>(batch.StructureCount);
        for (int s = 0; s < batch.StructureCount; s++)
        {
            int a0 = batch.AtomOffsets[s], n = batch.AtomCounts[s];
            var d = new double[3 * n];
            var c = new double[3 * n];
            for (int k = 0; k < 3 * n; k++)
            {
                d[k] = double.CreateChecked(fd[(3 * a0) + k]);
                c[k] = double.CreateChecked(fc[(3 * a0) + k]);
            }
            frames.Add(new ParityFrame(n, o.Energy[s], double.CreateChecked(o.NormalizedEnergy[s]), o.Entropy?[s], o.EnergyStd?[s], d, c, refs[s]));
        }
        return frames;
    }

    // The peer's float64 readout: ŷ = Σ p c32, E = N(sd ŷ + mu) + Σref, std_E = N sd sqrt(Σ p (c32 − ŷ)²), F = −∂E/∂R.
    private static List<ParityFrame> RunWithFloat32Centres<T>(Potential<T> model, GraphBatch batch, ModelInput<T> input) where T : unmanaged, IFloatingPointIeee754<T>
    {
        input.Positions.RequiresGrad = true;
        var o = model.Forward(input, directForces: true, conservativeForces: false);
        var centres = ((HLGaussHead<T>)model.Head).Support.Centres.ToArray();
        int k = centres.Length, structures = batch.StructureCount;
        var c32 = new Tensor<T>(k, 1);
        for (int b = 0; b < k; b++) c32[b] = T.CreateChecked((double)(float)centres[b]);
        var yHat = Tensor.Reshape(Tensor.MatMul(Tensor.Exp(o.LogProbabilities!), c32), structures);
        var scale = new Tensor<T>(structures);
        var offset = new Tensor<T>(structures);
        for (int s = 0; s < structures; s++)
        {
            scale[s] = T.CreateChecked(batch.AtomCounts[s] * model.Statistics.Sd);
            offset[s] = T.CreateChecked(batch.AtomCounts[s] * model.Statistics.Mu);
        }
        var modelEnergy = (yHat * scale) + offset;
        var forces = Tensor.Neg(Autograd.Grad(Tensor.Sum(modelEnergy), [input.Positions])[0]).Data;
        var direct = o.DirectForces!.Data;
        var refs = model.ReferenceSums(input);
        var frames = new List<ParityFrame>(structures);
        for (int s = 0; s < structures; s++)
        {
            double y = double.CreateChecked(yHat[s]), var = 0;
            for (int b = 0; b < k; b++)
            {
                double d = (double)(float)centres[b] - y;
                var += o.Probabilities![(s * k) + b] * d * d;
            }
            int a0 = batch.AtomOffsets[s], n = batch.AtomCounts[s];
            var fd = new double[3 * n];
            var fc = new double[3 * n];
            for (int i = 0; i < 3 * n; i++)
            {
                fd[i] = double.CreateChecked(direct[(3 * a0) + i]);
                fc[i] = double.CreateChecked(forces[(3 * a0) + i]);
            }
            frames.Add(new ParityFrame(n, double.CreateChecked(modelEnergy[s]) + refs[s], y, o.Entropy![s],
                n * model.Statistics.Sd * Math.Sqrt(Math.Max(var, 0)), fd, fc, refs[s]));
        }
        return frames;
    }

    /// <summary>The frames of a parity.py JSON file.</summary>
    public static List<ParityFrame> ReadPeer(string fixtureName)
    {
        var frames = PeerFixtures.Json(fixtureName).GetProperty("frames");
        var r = new List<ParityFrame>();
        foreach (var f in frames.EnumerateArray())
        {
            double? Opt(string key) => f.TryGetProperty(key, out var v) ? v.GetDouble() : null;
            r.Add(new ParityFrame(f.GetProperty("n_atoms").GetInt32(), f.GetProperty("energy").GetDouble(), f.GetProperty("yn_hat").GetDouble(),
                Opt("entropy"), Opt("std_E"), Flat(f.GetProperty("forces")), Flat(f.GetProperty("forces_conservative"))));
        }
        return r;
    }

    private static double[] Flat(JsonElement rows) =>
        rows.EnumerateArray().SelectMany(row => row.EnumerateArray().Select(x => x.GetDouble())).ToArray();
}

/// <summary>Worst deviations between two sets of frames, measured as parity.py --compare measures them.</summary>
internal sealed class ParityDeviation
{
    /// <summary>max |ΔE| / max(|E|, 1e-12).</summary>
    public double Energy { get; private set; }

    /// <summary>max |ΔE| / |E − Σref|: the energy error relative to the part the model predicts (Σref is exact on both sides).</summary>
    public double ModelEnergy { get; private set; }

    /// <summary>max |Δŷ_n| (absolute, normalised units).</summary>
    public double YnHat { get; private set; }

    /// <summary>max |ΔH| / max(|H|, 1e-12).</summary>
    public double Entropy { get; private set; }

    /// <summary>max |Δstd_E| / max(|std_E|, 1e-6).</summary>
    public double StdE { get; private set; }

    /// <summary>max over frames of max |ΔF| / max |F| of the frame (direct head).</summary>
    public double Forces { get; private set; }

    /// <summary>The same for conservative forces.</summary>
    public double ForcesConservative { get; private set; }

    public static ParityDeviation Between(IReadOnlyList<ParityFrame> a, IReadOnlyList<ParityFrame> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} frames vs {b.Count}.", nameof(b));
        var d = new ParityDeviation();
        for (int k = 0; k < a.Count; k++)
        {
            var (x, y) = (a[k], b[k]);
            if (x.AtomCount != y.AtomCount) throw new ArgumentException($"frame {k}: {x.AtomCount} atoms vs {y.AtomCount}.", nameof(b));
            if ((x.Entropy is null) != (y.Entropy is null) || (x.StdE is null) != (y.StdE is null))
                throw new ArgumentException($"frame {k}: one side has HL-Gauss outputs, the other not.", nameof(b));
            d.Energy = Math.Max(d.Energy, Rel(x.Energy, y.Energy, 1e-12));
            double refSum = double.IsNaN(x.ReferenceSum) ? y.ReferenceSum : x.ReferenceSum;
            if (double.IsNaN(refSum)) throw new ArgumentException($"frame {k}: neither side knows its reference sum.", nameof(b));
            d.ModelEnergy = Math.Max(d.ModelEnergy, Math.Abs(x.Energy - y.Energy) / Math.Max(Math.Abs(x.Energy - refSum), 1e-12));
            d.YnHat = Math.Max(d.YnHat, Math.Abs(x.YnHat - y.YnHat));
            if (x.Entropy is { } hx && y.Entropy is { } hy) d.Entropy = Math.Max(d.Entropy, Rel(hx, hy, 1e-12));
            if (x.StdE is { } sx && y.StdE is { } sy) d.StdE = Math.Max(d.StdE, Rel(sx, sy, 1e-6));
            d.Forces = Math.Max(d.Forces, RelMax(x.Forces, y.Forces));
            d.ForcesConservative = Math.Max(d.ForcesConservative, RelMax(x.ForcesConservative, y.ForcesConservative));
        }
        return d;
    }


    public override string ToString() => FormattableString.Invariant(
        $"energy {Energy:E2}, model energy {ModelEnergy:E2}, yn_hat(abs) {YnHat:E2}, entropy {Entropy:E2}, std_E {StdE:E2}, forces {Forces:E2}, forces_conservative {ForcesConservative:E2}");

    private static double Rel(double u, double v, double floor) => Math.Abs(u - v) / Math.Max(Math.Max(Math.Abs(u), Math.Abs(v)), floor);

    private static double RelMax(double[] u, double[] v)
    {
        if (u.Length != v.Length) throw new ArgumentException($"{u.Length} force components vs {v.Length}.", nameof(v));
        double diff = 0, scale = 1e-12;
        for (int i = 0; i < u.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(u[i] - v[i]));
            scale = Math.Max(scale, Math.Max(Math.Abs(u[i]), Math.Abs(v[i])));
        }
        return diff / scale;
    }
}
