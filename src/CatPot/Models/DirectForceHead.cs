using System.Numerics;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>
/// The direct force head: two gated equivariant blocks turning (s, v) into one vector per atom, scaled by the
/// training force RMS. Not the gradient of the energy (see conservative forces for that).
/// </summary>
public sealed class DirectForceHead<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GatedEquivariantBlock _block1, _block2;

    /// <summary>Registers <c>forces.block1.*</c> (F → F/2) and <c>forces.block2.*</c> (F/2 → 1).</summary>
    public DirectForceHead(ParameterSet<T> parameters, int features, double eps)
    {
        int h = features / 2;
        var e = T.CreateChecked(eps);
        _block1 = new GatedEquivariantBlock(parameters, "forces.block1", features, h, h, h, last: false, e);
        _block2 = new GatedEquivariantBlock(parameters, "forces.block2", h, 1, 1, h, last: true, e);
    }

    /// <summary>Unscaled force vectors [N, 3] (multiply by force RMS for eV/Å).</summary>
    public Tensor<T> Forward(Tensor<T> s, Tensor<T> v)
    {
        var (s1, v1) = _block1.Forward(s, v);
        var (_, v2) = _block2.Forward(s1, v1);
        return Tensor.Reshape(v2, v2.Shape[0], 3);
    }

    private sealed class GatedEquivariantBlock
    {
        private readonly LinearLayer<T> _mix, _mlp1, _mlp2;
        private readonly int _fOut, _nOut;
        private readonly bool _last;
        private readonly T _eps;

        public GatedEquivariantBlock(ParameterSet<T> parameters, string prefix, int fIn, int fOut, int nOut, int hidden, bool last, T eps)
        {
            _mix = new LinearLayer<T>(parameters, prefix + ".mix", fIn, 2 * nOut, bias: false);
            _mlp1 = new LinearLayer<T>(parameters, prefix + ".mlp1", fIn + nOut, hidden);
            _mlp2 = new LinearLayer<T>(parameters, prefix + ".mlp2", hidden, fOut + nOut);
            _fOut = fOut;
            _nOut = nOut;
            _last = last;
            _eps = eps;
        }

        public (Tensor<T> S, Tensor<T> V) Forward(Tensor<T> s, Tensor<T> v)
        {
            int n = v.Shape[0], fIn = v.Shape[2];
            var mixed = Tensor.Reshape(_mix.Forward(Tensor.Reshape(v, 3 * n, fIn)), n, 3, 2 * _nOut);
            var vw = Tensor.Split(mixed, [_nOut, _nOut], axis: -1);
            var ctx = Tensor.Concat([s, Tensor.Norm(vw[0], 1, _eps)], axis: -1);
            var x = _mlp2.Forward(Tensor.Silu(_mlp1.Forward(ctx)));
            var sg = Tensor.Split(x, [_fOut, _nOut], axis: -1);
            var vOut = Tensor.Reshape(sg[1], n, 1, _nOut) * vw[1];
            return (_last ? sg[0] : Tensor.Silu(sg[0]), vOut);
        }
    }
}
