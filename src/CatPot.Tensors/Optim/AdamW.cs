using System.Numerics;
namespace CatPot.Tensors.Optim;

/// <summary>
/// Adam with decoupled weight decay, with PyTorch's <c>torch.optim.AdamW</c> semantics: for each parameter with a
/// gradient, p ← p·(1 − lr·wd) (only where <see cref="Parameter.WeightDecay"/>), then the bias-corrected Adam step
/// p ← p − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε). Moments are stored in float32 like the parameters; each element's
/// update is computed in double.
/// </summary>
public sealed class AdamW
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;
    private readonly long[] _steps;

    /// <summary>Creates the optimiser with zero moments.</summary>
    public AdamW(IReadOnlyList<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "AdamW: beta1 must be in [0, 1).");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "AdamW: beta2 must be in [0, 1).");
        _parameters = [.. parameters];
        _m = [.. _parameters.Select(p => new float[p.Value.Length])];
        _v = [.. _parameters.Select(p => new float[p.Value.Length])];
        _steps = new long[_parameters.Length];
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
    }

    /// <summary>The learning rate of the next <see cref="Step"/> (a schedule sets it before each step).</summary>
    public double LearningRate { get; set; }

    /// <summary>β₁, the decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε added to the denominator.</summary>
    public double Eps { get; }

    /// <summary>Decoupled weight decay coefficient (applied to parameters that opt in).</summary>
    public double WeightDecay { get; set; }

    /// <summary>Number of completed <see cref="Step"/> calls.</summary>
    public long StepCount { get; private set; }

    /// <summary>The parameters, in the order of the state arrays.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Clears the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.Value.Grad = null;
    }

    /// <summary>Updates every parameter that has a gradient; parameters without one are left alone (their step count does not advance).</summary>
    public void Step()
    {
        double lr = LearningRate, b1 = Beta1, b2 = Beta2, eps = Eps;
        for (int k = 0; k < _parameters.Length; k++)
        {
            var p = _parameters[k];
            if (p.Grad is null) continue;
            if (p.Grad.Length != p.Value.Length)
                throw new InvalidOperationException($"AdamW: gradient of '{p.Name}' has shape {Tensor.FormatShape(p.Grad.Shape)} but the parameter has {Tensor.FormatShape(p.Value.Shape)}.");
            long t = ++_steps[k];
            double decay = p.WeightDecay ? 1 - (lr * WeightDecay) : 1;
            double bc1 = 1 - Math.Pow(b1, t);
            double sqrtBc2 = Math.Sqrt(1 - Math.Pow(b2, t));
            double stepSize = lr / bc1;
            var w = p.Value.Span;
            ReadOnlySpan<float> g = p.Grad.Span;
            var m = _m[k];
            var v = _v[k];
            int i = UpdateVectorized(w, g, m, v, b1, b2, decay, stepSize, sqrtBc2, eps);
            for (; i < w.Length; i++)
            {
                double gi = g[i];
                double mi = (b1 * m[i]) + ((1 - b1) * gi);
                double vi = (b2 * v[i]) + ((1 - b2) * gi * gi);
                m[i] = (float)mi;
                v[i] = (float)vi;
                w[i] = (float)((w[i] * decay) - (stepSize * mi / ((Math.Sqrt(vi) / sqrtBc2) + eps)));
            }
        }
        StepCount++;
    }

    /// <summary>
    /// The update of <see cref="Step"/> on whole vectors of elements, widened to double exactly as the scalar loop does,
    /// with the same operations in the same order (no fused multiply-add), so results are bit-identical to it.
    /// Returns the number of elements done; the caller finishes the tail.
    /// </summary>
    private static int UpdateVectorized(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        double b1, double b2, double decay, double stepSize, double sqrtBc2, double eps)
    {
        if (!Vector.IsHardwareAccelerated) return 0;
        int width = Vector<float>.Count, i = 0;
        var vb1 = new Vector<double>(b1);
        var va1 = new Vector<double>(1 - b1);
        var vb2 = new Vector<double>(b2);
        var va2 = new Vector<double>(1 - b2);
        var vDecay = new Vector<double>(decay);
        var vStep = new Vector<double>(stepSize);
        var vBc2 = new Vector<double>(sqrtBc2);
        var vEps = new Vector<double>(eps);
        for (; i + width <= w.Length; i += width)
        {
            Vector.Widen(new Vector<float>(g.Slice(i)), out var g0, out var g1);
            Vector.Widen(new Vector<float>(m.Slice(i)), out var m0, out var m1);
            Vector.Widen(new Vector<float>(v.Slice(i)), out var v0, out var v1);
            Vector.Widen(new Vector<float>(w.Slice(i)), out var w0, out var w1);
            var mi0 = (vb1 * m0) + (va1 * g0);
            var mi1 = (vb1 * m1) + (va1 * g1);
            var vi0 = (vb2 * v0) + (va2 * g0 * g0);
            var vi1 = (vb2 * v1) + (va2 * g1 * g1);
            Vector.Narrow(mi0, mi1).CopyTo(m.Slice(i));
            Vector.Narrow(vi0, vi1).CopyTo(v.Slice(i));
            var wn0 = (w0 * vDecay) - (vStep * mi0 / ((Vector.SquareRoot(vi0) / vBc2) + vEps));
            var wn1 = (w1 * vDecay) - (vStep * mi1 / ((Vector.SquareRoot(vi1) / vBc2) + vEps));
            Vector.Narrow(wn0, wn1).CopyTo(w.Slice(i));
        }
        return i;
    }

    /// <summary>A deep copy of the optimiser state, as plain arrays for checkpoints.</summary>
    public AdamWState GetState() => new()
    {
        StepCount = StepCount,
        ParameterSteps = (long[])_steps.Clone(),
        ExpAvg = [.. _m.Select(a => (float[])a.Clone())],
        ExpAvgSq = [.. _v.Select(a => (float[])a.Clone())],
    };

    /// <summary>Restores a state saved by <see cref="GetState"/> for the same parameter list.</summary>
    /// <exception cref="ArgumentException">The state does not match the parameters (count or sizes).</exception>
    public void LoadState(AdamWState state)
    {
        if (state.ParameterSteps.Length != _parameters.Length || state.ExpAvg.Length != _parameters.Length || state.ExpAvgSq.Length != _parameters.Length)
            throw new ArgumentException($"AdamW state holds {state.ExpAvg.Length} parameters but the optimiser has {_parameters.Length}.", nameof(state));
        for (int k = 0; k < _parameters.Length; k++)
            if (state.ExpAvg[k].Length != _m[k].Length || state.ExpAvgSq[k].Length != _v[k].Length)
                throw new ArgumentException($"AdamW state for parameter {k} ('{_parameters[k].Name}') has {state.ExpAvg[k].Length} elements but the parameter has {_m[k].Length}.", nameof(state));
        StepCount = state.StepCount;
        Array.Copy(state.ParameterSteps, _steps, _steps.Length);
        for (int k = 0; k < _parameters.Length; k++)
        {
            state.ExpAvg[k].CopyTo(_m[k], 0);
            state.ExpAvgSq[k].CopyTo(_v[k], 0);
        }
    }
}
