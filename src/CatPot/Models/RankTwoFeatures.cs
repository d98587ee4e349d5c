using System.Numerics;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>
/// Rank-2 features for the PaiNN backbone (<see cref="PotentialConfig.TensorChannels"/>): every atom carries, besides
/// PaiNN's scalars s [N, F] and vectors v [N, 3, F], symmetric traceless 3×3 tensors t [N, 9, C] (row-major, C channels).
/// Why: PaiNN's vectors let a scalar see the angle between two neighbours only through cos θ (l = 1); models that
/// learn small molecules from a few hundred frames (NequIP, MACE, TensorNet) carry l = 2 as well, whose invariants
/// add P₂(cos θ). This is the smallest such extension that keeps PaiNN's message, update and fused kernels as they
/// are: each layer adds a tensor message and a tensor update after PaiNN's own.
/// <list type="bullet">
/// <item>Message: Δt_i = Σ_j a_ij (û⊗û − I/3) + b_ij t_j, with [a, b] = ψ(s_j) ⊙ W(r_ij) f_c(r_ij).</item>
/// <item>Update, per atom: [t₁, t₂] = U t (channel mixing); [Δs, g₁, g₂, g₃] = MLP(s, ‖t₂‖, ⟨t₁, t₂⟩); s += Δs;
/// t += g₁ t₁ + g₂ (w⊗w − |w|² I/3) with w = D v (C channels of the vectors); v += E (g₃ t₁ w).</item>
/// </list>
/// Every operation is a contraction of equivariant quantities, so s stays invariant and v, t rotate with the input.
/// The composite tensor ops carry first and second derivatives, so conservative training works unchanged.
/// </summary>
public sealed class RankTwoFeatures<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _f, _c;
    private readonly T _eps;
    private readonly Layer[] _layers;
    private readonly Tensor<T> _identityThird; // I/3 as [3, 3]
    private readonly Tensor<T> _identity;      // I as [3, 3, 1] (broadcasts over channels)

    private sealed record Layer(LinearLayer<T> Context1, LinearLayer<T> Context2, LinearLayer<T> Filter, LinearLayer<T> Mix,
        LinearLayer<T> VectorsIn, LinearLayer<T> VectorsOut, LinearLayer<T> Gate1, LinearLayer<T> Gate2);

    /// <summary>Registers the parameters under <c>layers.{l}.tensor.*</c>, after all of PaiNN's (so PaiNN's initial values do not change).</summary>
    public RankTwoFeatures(ParameterSet<T> parameters, PotentialConfig config)
    {
        int f = _f = config.Features, c = _c = config.TensorChannels;
        _eps = T.CreateChecked(config.Eps);
        _layers = new Layer[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            string p = $"layers.{l}.tensor.";
            _layers[l] = new Layer(
                new LinearLayer<T>(parameters, p + "context1", f, c),
                new LinearLayer<T>(parameters, p + "context2", c, 2 * c),
                new LinearLayer<T>(parameters, p + "filter", config.RadialBasis, 2 * c),
                new LinearLayer<T>(parameters, p + "mix", c, 2 * c, bias: false),
                new LinearLayer<T>(parameters, p + "vectors_in", f, c, bias: false),
                new LinearLayer<T>(parameters, p + "vectors_out", c, f, bias: false),
                new LinearLayer<T>(parameters, p + "gate1", f + 2 * c, f),
                new LinearLayer<T>(parameters, p + "gate2", f, f + 3 * c));
        }
        _identityThird = new Tensor<T>(3, 3);
        _identity = new Tensor<T>(3, 3, 1);
        for (int a = 0; a < 3; a++)
        {
            _identityThird[a, a] = T.One / T.CreateChecked(3);
            _identity[4 * a] = T.One; // [a, a, 0]
        }
    }

    /// <summary>The parameter names and shapes of this extension for <paramref name="config"/>, in registration order (the model contract lists them).</summary>
    public static IEnumerable<ModelParameterSpec> ExpectedParameters(PotentialConfig config)
    {
        int f = config.Features, c = config.TensorChannels;
        for (int l = 0; l < config.Layers; l++)
        {
            string p = $"layers.{l}.tensor.";
            yield return new(p + "context1.weight", [c, f]);
            yield return new(p + "context1.bias", [c]);
            yield return new(p + "context2.weight", [2 * c, c]);
            yield return new(p + "context2.bias", [2 * c]);
            yield return new(p + "filter.weight", [2 * c, config.RadialBasis]);
            yield return new(p + "filter.bias", [2 * c]);
            yield return new(p + "mix.weight", [2 * c, c]);
            yield return new(p + "vectors_in.weight", [c, f]);
            yield return new(p + "vectors_out.weight", [f, c]);
            yield return new(p + "gate1.weight", [f, f + 2 * c]);
            yield return new(p + "gate1.bias", [f]);
            yield return new(p + "gate2.weight", [f + 3 * c, f]);
            yield return new(p + "gate2.bias", [f + 3 * c]);
        }
    }

    /// <summary>The l = 2 direction of every edge, û⊗û − I/3, as [E, 9, 1].</summary>
    public Tensor<T> EdgeDirections(Tensor<T> u)
    {
        int e = u.Shape[0];
        var uu = Tensor.Reshape(u, e, 3, 1) * Tensor.Reshape(u, e, 1, 3) - _identityThird;
        return Tensor.Reshape(uu, e, 9, 1);
    }

    /// <summary>
    /// Layer <paramref name="l"/>'s message: t plus the sum over each receiver's edges. <paramref name="s"/> is the
    /// scalar input of the layer (before PaiNN's message, as PaiNN's own context uses it); <paramref name="t"/> is null
    /// before the first layer (zero).
    /// </summary>
    public Tensor<T> Message(int l, Tensor<T> s, Tensor<T>? t, Tensor<T> rbf, Tensor<T> fc, Tensor<T> y2, ModelInput<T> input)
    {
        var layer = _layers[l];
        int n = input.AtomCount, e = input.EdgeCount, c = _c;
        var psi = layer.Context2.Forward(Tensor.Silu(layer.Context1.Forward(s)));
        var x = Tensor.IndexSelect(psi, input.Senders) * (layer.Filter.Forward(rbf) * fc);
        var parts = Tensor.Split(x, [c, c], axis: -1);
        var dtEdge = y2 * Tensor.Reshape(parts[0], e, 1, c);
        if (t is not null)
            dtEdge = dtEdge + Tensor.Reshape(parts[1], e, 1, c) * Tensor.IndexSelect(t, input.Senders);
        var dt = Tensor.IndexAdd(dtEdge, input.Receivers, n);
        return t is null ? dt : t + dt;
    }

    /// <summary>
    /// Layer <paramref name="l"/>'s update (row-wise): the coupled s, v, t after PaiNN's update. After the last layer
    /// nothing reads the tensors, so <paramref name="updateTensors"/> = false skips their update and returns t as given.
    /// </summary>
    public (Tensor<T> S, Tensor<T> V, Tensor<T> T) Update(int l, Tensor<T> s, Tensor<T> v, Tensor<T> t, bool updateTensors = true)
    {
        var layer = _layers[l];
        int n = s.Shape[0], f = _f, c = _c;
        var mixed = Tensor.Reshape(layer.Mix.Forward(Tensor.Reshape(t, 9 * n, c)), n, 9, 2 * c);
        var tParts = Tensor.Split(mixed, [c, c], axis: -1);
        var t1 = tParts[0];
        var t2 = tParts[1];
        var ctx = Tensor.Concat([s, Tensor.Norm(t2, 1, _eps), Tensor.Sum(t1 * t2, 1)], axis: -1);
        var g = Tensor.Split(layer.Gate2.Forward(Tensor.Silu(layer.Gate1.Forward(ctx))), [f, c, c, c], axis: -1);

        var sNext = s + g[0];

        // w⊗w − |w|² I/3 of C channels w of the vectors: the tensors also see pairs of neighbours.
        var w = Tensor.Reshape(layer.VectorsIn.Forward(Tensor.Reshape(v, 3 * n, f)), n, 3, c);
        var tNext = t;
        if (updateTensors)
        {
            var ww = Tensor.Reshape(w, n, 3, 1, c) * Tensor.Reshape(w, n, 1, 3, c);
            var trace = Tensor.Reshape(Tensor.Sum(w * w, 1), n, 1, 1, c) * _identity;
            var wwTraceless = Tensor.Reshape(ww - trace * T.CreateChecked(1.0 / 3.0), n, 9, c);
            tNext = t + Tensor.Reshape(g[1], n, 1, c) * t1 + Tensor.Reshape(g[2], n, 1, c) * wwTraceless;
        }

        // t₁ w: a matrix-vector product per channel, vectors that the tensors turn towards their axes.
        var t1w = Tensor.Sum(Tensor.Reshape(t1, n, 3, 3, c) * Tensor.Reshape(w, n, 1, 3, c), 2);
        var dv = layer.VectorsOut.Forward(Tensor.Reshape(Tensor.Reshape(g[3], n, 1, c) * t1w, 3 * n, c));
        return (sNext, v + Tensor.Reshape(dv, n, 3, f), tNext);
    }
}
