using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Tensors.Optim;

/// <summary>
/// Exponential moving average of parameters for evaluation: after each optimiser step,
/// shadow ← decay·shadow + (1 − decay)·parameter (float32, like the PyTorch peer's EMA).
/// </summary>
public sealed class ExponentialMovingAverage
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _shadow;

    /// <summary>Starts the average at the parameters' current values.</summary>
    public ExponentialMovingAverage(IReadOnlyList<Parameter> parameters, double decay = 0.999)
    {
        if (decay is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "EMA decay must be in [0, 1].");
        _parameters = [.. parameters];
        _shadow = [.. _parameters.Select(p => p.Value.ToArray())];
        Decay = decay;
    }

    /// <summary>The decay per update.</summary>
    public double Decay { get; }

    /// <summary>Number of <see cref="Update()"/> calls.</summary>
    public long UpdateCount { get; private set; }

    /// <summary>The averaged values of parameter <paramref name="index"/> (live; do not modify).</summary>
    public ReadOnlySpan<float> Shadow(int index) => _shadow[index];

    /// <summary>Moves the average towards the parameters' current values with the configured decay.</summary>
    public void Update() => Update(Decay);

    /// <summary>
    /// Moves the average towards the parameters' current values with an explicit decay (e.g. a warm-up schedule
    /// such as min(decay, (1 + n)/(10 + n)) so that short runs do not keep mostly the initial weights).
    /// </summary>
    public void Update(double decay)
    {
        if (decay is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "EMA decay must be in [0, 1].");
        float d = (float)decay, oneMinus = (float)(1 - decay);
        for (int k = 0; k < _parameters.Length; k++)
        {
            var s = _shadow[k].AsSpan();
            TP.Multiply(s, d, s);
            TP.MultiplyAdd(_parameters[k].Value.Span, oneMinus, s, s);
        }
        UpdateCount++;
    }

    /// <summary>Writes the averaged values into <paramref name="targets"/> (e.g. an evaluation copy of the model), matched by position.</summary>
    public void CopyTo(IReadOnlyList<Parameter> targets)
    {
        if (targets.Count != _parameters.Length)
            throw new ArgumentException($"EMA holds {_parameters.Length} parameters but {targets.Count} targets were given.", nameof(targets));
        for (int k = 0; k < _parameters.Length; k++)
        {
            if (targets[k].Value.Length != _shadow[k].Length)
                throw new ArgumentException($"EMA parameter {k} ('{_parameters[k].Name}') has {_shadow[k].Length} elements but target '{targets[k].Name}' has {targets[k].Value.Length}.", nameof(targets));
            _shadow[k].CopyTo(targets[k].Value.Span);
        }
    }

    /// <summary>Exchanges the live parameter values with the averages; call again to swap back (evaluate in between).</summary>
    public void Swap()
    {
        for (int k = 0; k < _parameters.Length; k++)
        {
            var live = _parameters[k].Value.Span;
            var avg = _shadow[k].AsSpan();
            for (int i = 0; i < live.Length; i++) (live[i], avg[i]) = (avg[i], live[i]);
        }
    }

    /// <summary>A copy of the averages (one array per parameter, in order), for checkpoints.</summary>
    public float[][] GetState() => [.. _shadow.Select(a => (float[])a.Clone())];

    /// <summary>Restores averages saved by <see cref="GetState"/>.</summary>
    public void LoadState(float[][] shadow, long updateCount = 0)
    {
        if (shadow.Length != _shadow.Length)
            throw new ArgumentException($"EMA state holds {shadow.Length} parameters but the EMA has {_shadow.Length}.", nameof(shadow));
        for (int k = 0; k < _shadow.Length; k++)
        {
            if (shadow[k].Length != _shadow[k].Length)
                throw new ArgumentException($"EMA state for parameter {k} ('{_parameters[k].Name}') has {shadow[k].Length} elements, expected {_shadow[k].Length}.", nameof(shadow));
            shadow[k].CopyTo(_shadow[k], 0);
        }
        UpdateCount = updateCount;
    }
}
