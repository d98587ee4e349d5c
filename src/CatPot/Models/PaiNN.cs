using System.Numerics;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>
/// The PaiNN backbone (Schütt et al. 2021) of the model contract, with charge and spin embeddings:
/// L rounds of equivariant message passing and mixing over scalar features s [N, F] and vector features v [N, 3, F];
/// with <see cref="PotentialConfig.TensorChannels"/> &gt; 0 each round is followed by that of the rank-2 features
/// (<see cref="RankTwoFeatures{T}"/>, CatPot's own extension).
/// </summary>
public sealed class PaiNN<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _f;
    private readonly T _eps;
    private readonly Tensor<T> _embZ, _embCharge, _embSpin;
    private readonly Layer[] _layers;
    private readonly Tensor<T> _rbfFrequencies; // n·π/r_c, n = 1..n_rbf
    private readonly T _piOverCutoff;
    private readonly double _cutoff;
    private readonly RankTwoFeatures<T>? _tensors;

    /// <summary>Registers the backbone's parameters under the contract's names.</summary>
    public PaiNN(ParameterSet<T> parameters, PotentialConfig config)
    {
        _f = config.Features;
        _eps = T.CreateChecked(config.Eps);
        _embZ = parameters.Add("embedding.z.weight", decay: true, 101, _f);
        _embCharge = parameters.Add("embedding.charge.weight", decay: true, 21, _f);
        _embSpin = parameters.Add("embedding.spin.weight", decay: true, 11, _f);
        _layers = new Layer[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            string p = $"layers.{l}.";
            _layers[l] = new Layer(
                new LinearLayer<T>(parameters, p + "message.phi1", _f, _f),
                new LinearLayer<T>(parameters, p + "message.phi2", _f, 3 * _f),
                new LinearLayer<T>(parameters, p + "message.filter", config.RadialBasis, 3 * _f),
                new LinearLayer<T>(parameters, p + "update.uv", _f, 2 * _f, bias: false),
                new LinearLayer<T>(parameters, p + "update.a1", 2 * _f, _f),
                new LinearLayer<T>(parameters, p + "update.a2", _f, 3 * _f));
        }
        _rbfFrequencies = new Tensor<T>(config.RadialBasis);
        for (int n = 0; n < config.RadialBasis; n++)
            _rbfFrequencies[n] = T.CreateChecked((n + 1) * Math.PI / config.Cutoff);
        _piOverCutoff = T.CreateChecked(Math.PI / config.Cutoff);
        _cutoff = config.Cutoff;
        if (config.TensorFeatures) _tensors = new RankTwoFeatures<T>(parameters, config);
    }

    private sealed record Layer(LinearLayer<T> Phi1, LinearLayer<T> Phi2, LinearLayer<T> Filter, LinearLayer<T> Uv, LinearLayer<T> A1, LinearLayer<T> A2);

    /// <summary>Scalar and vector features of every atom after the last layer.</summary>
    /// <param name="input">The packed structures.</param>
    /// <param name="allowFused">
    /// Use the fused message op (same numbers, far less memory traffic) where the edge list allows it; its gradient can be
    /// differentiated once more (training on conservative forces). False runs the composite ops (tests, comparisons).
    /// </param>
    public (Tensor<T> S, Tensor<T> V) Forward(ModelInput<T> input, bool allowFused = true)
    {
        var topology = allowFused ? input.Topology : null;
        int n = input.AtomCount, e = input.EdgeCount, f = _f;
        var (rbf, fc, u) = EdgeFeatures(input);

        var s = Tensor.IndexSelect(_embZ, input.AtomicNumbers)
              + Tensor.IndexSelect(_embCharge, input.AtomChargeIndex)
              + Tensor.IndexSelect(_embSpin, input.AtomSpinIndex);
        Tensor<T>? v = null; // exactly zero before the first message: skip the terms it would multiply
        var uCol = Tensor.Reshape(u, e, 3, 1);
        var y2 = _tensors?.EdgeDirections(u);
        Tensor<T>? t = null;

        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            var sIn = s;
            // Message: context of the sender, filtered by distance, summed at the receiver.
            var phi = Context(layer, s);
            if (topology is not null)
            {
                var m = FusedPaiNNMessage.Forward(phi, rbf, layer.Filter.Weight, layer.Filter.Bias!, fc, u, v, input.Receivers, input.Senders, topology,
                    layer.Filter.InferenceTranspose);
                s = s + Tensor.Reshape(Tensor.Narrow(m, 1, 0, 1), n, f);
                var dvFused = Tensor.Narrow(m, 1, 1, 3);
                v = v is null ? dvFused : v + dvFused;
            }
            else
            {
                var w = layer.Filter.Forward(rbf) * fc;
                var x = Tensor.IndexSelect(phi, input.Senders) * w;
                var parts = Tensor.Split(x, [f, f, f], axis: -1);
                s = s + Tensor.IndexAdd(parts[0], input.Receivers, n);
                var dvEdge = uCol * Tensor.Reshape(parts[2], e, 1, f);
                if (v is not null)
                    dvEdge = dvEdge + Tensor.Reshape(parts[1], e, 1, f) * Tensor.IndexSelect(v, input.Senders);
                var dv = Tensor.IndexAdd(dvEdge, input.Receivers, n);
                v = v is null ? dv : v + dv;
            }

            (s, v) = Update(layer, s, v!);
            if (_tensors is not null)
            {
                t = _tensors.Message(l, sIn, t, rbf, fc, y2!, input);
                (s, v, t) = _tensors.Update(l, s, v, t, updateTensors: l < _layers.Length - 1);
            }
        }
        return (s, v ?? Tensor<T>.Scratch(n, 3, f));
    }

    /// <summary>Number of message-passing layers.</summary>
    internal int LayerCount => _layers.Length;

    /// <summary>Feature width F.</summary>
    internal int Features => _f;

    /// <summary>The radial filter of layer <paramref name="l"/>.</summary>
    internal LinearLayer<T> Filter(int l) => _layers[l].Filter;

    /// <summary>The atom-wise layers of layer <paramref name="l"/>: the context MLP φ (W₁, W₂) and the update block (U·V stacked, a₁, a₂).</summary>
    internal (LinearLayer<T> Phi1, LinearLayer<T> Phi2, LinearLayer<T> Uv, LinearLayer<T> A1, LinearLayer<T> A2) AtomBlockLayers(int l)
    {
        var layer = _layers[l];
        return (layer.Phi1, layer.Phi2, layer.Uv, layer.A1, layer.A2);
    }

    /// <summary>Initial scalar features of atoms [start, start + count) of the given per-atom arrays: the sum of the element, charge and spin embeddings.</summary>
    internal Tensor<T> Embed(int[] atomicNumbers, int[] chargeIndex, int[] spinIndex, int start, int count)
    {
        var z = atomicNumbers.AsSpan(start, count).ToArray();
        var q = chargeIndex.AsSpan(start, count).ToArray();
        var sp = spinIndex.AsSpan(start, count).ToArray();
        return Tensor.IndexSelect(_embZ, z) + Tensor.IndexSelect(_embCharge, q) + Tensor.IndexSelect(_embSpin, sp);
    }

    /// <summary>The sender context φ [rows, 3F] of layer <paramref name="l"/> from scalar features [rows, F] (row-wise); <c>PaiNNAtomBlocksTests</c> check the large-system kernels against it.</summary>
    internal Tensor<T> Context(int l, Tensor<T> s) => Context(_layers[l], s);

    /// <summary>The update block of layer <paramref name="l"/> (row-wise): features after the message → features after the layer; <c>PaiNNAtomBlocksTests</c> check the large-system kernels against it.</summary>
    internal (Tensor<T> S, Tensor<T> V) Update(int l, Tensor<T> s, Tensor<T> v) => Update(_layers[l], s, v);

    /// <summary>
    /// Geometry constants of the edge features for the chunked evaluator: the number R of radial functions (frequencies
    /// nπ/r_c, n = 1 … R), π/r_c in double (the chunked message builds the basis from it in double) and the norm's eps.
    /// </summary>
    internal (int Radial, double PiOverCutoff, T Eps) EdgeFeatureConstants => (_rbfFrequencies.Length, Math.PI / _cutoff, _eps);

    private static Tensor<T> Context(Layer layer, Tensor<T> s) => layer.Phi2.Forward(Tensor.Silu(layer.Phi1.Forward(s)));

    // Update: mix channels of each atom's own features.
    private (Tensor<T> S, Tensor<T> V) Update(Layer layer, Tensor<T> s, Tensor<T> v)
    {
        int n = s.Shape[0], f = _f;
        var uvAll = Tensor.Reshape(layer.Uv.Forward(Tensor.Reshape(v, 3 * n, f)), n, 3, 2 * f);
        var uvParts = Tensor.Split(uvAll, [f, f], axis: -1);
        var uv = uvParts[0];
        var vv = uvParts[1];
        var ctx = Tensor.Concat([s, Tensor.Norm(vv, 1, _eps)], axis: -1);
        var a = layer.A2.Forward(Tensor.Silu(layer.A1.Forward(ctx)));
        var aParts = Tensor.Split(a, [f, f, f], axis: -1);
        return (s + aParts[1] * Tensor.Sum(uv * vv, 1) + aParts[2], v + Tensor.Reshape(aParts[0], n, 1, f) * uv);
    }

    /// <summary>Radial basis [E, n_rbf], cutoff envelope [E, 1] and unit vectors [E, 3] of every edge.</summary>
    private (Tensor<T> Rbf, Tensor<T> Fc, Tensor<T> U) EdgeFeatures(ModelInput<T> input)
    {
        var rVec = Tensor.IndexSelect(input.Positions, input.Senders) - Tensor.IndexSelect(input.Positions, input.Receivers);
        var r = Tensor.Norm(rVec, -1, _eps, keepDim: true);                       // [E,1]
        var u = rVec / r;
        var rbf = Tensor.Sin(r * _rbfFrequencies) / r;                             // [E,n_rbf]
        var half = T.CreateChecked(0.5);
        var fc = (Tensor.Cos(r * _piOverCutoff) + T.One) * half;                   // r < r_c on every edge by construction
        return (rbf, fc, u);
    }
}
