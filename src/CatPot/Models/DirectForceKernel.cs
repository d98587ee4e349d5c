using System.Buffers;
using System.Numerics;
using CatPot.Tensors;
using CatPot.Tensors.Kernels;

namespace CatPot.Models;

/// <summary>
/// The direct force head of <see cref="DirectForceHead{T}"/> on plain arrays, outside autodiff, for a chunk of atoms on one
/// thread: its two gated equivariant blocks as a few products and fused passes over rented buffers (the large-system path).
/// </summary>
/// <remarks>
/// The same formulas as <see cref="DirectForceHead{T}"/> (equal within rounding: the bias is the products' starting value
/// here); <c>DirectForceKernelTests</c> compare the two. Each call works on its own rows and buffers, so chunks may run on
/// any thread at once and a chunk's results do not depend on which thread ran it.
/// </remarks>
internal sealed class DirectForceKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Block _first, _second;
    private readonly T _eps;

    /// <summary>Copies the head's weights from <paramref name="parameters"/> (call again after they change).</summary>
    public DirectForceKernel(ParameterSet<T> parameters, int features, double eps)
    {
        int h = features / 2;
        _eps = T.CreateChecked(eps);
        _first = new Block(parameters, "forces.block1", features, h, h, h, last: false);
        _second = new Block(parameters, "forces.block2", h, 1, 1, h, last: true);
    }

    /// <summary>Unscaled force vectors [c, 3] of <paramref name="count"/> atoms with scalars [c, F] and vectors [c, 3, F].</summary>
    public void Forward(int count, ReadOnlySpan<T> s, ReadOnlySpan<T> v, Span<T> forces)
    {
        int h = _first.FOut;
        var s1 = ArrayPool<T>.Shared.Rent(count * h);
        var v1 = ArrayPool<T>.Shared.Rent(count * 3 * h);
        var s2 = ArrayPool<T>.Shared.Rent(count);
        _first.Forward(count, s, v, s1, v1, _eps);
        // The second block has one output vector per atom: [c, 3, 1] is the force's [c, 3].
        _second.Forward(count, s1, v1, s2, forces, _eps);
        ArrayPool<T>.Shared.Return(s1);
        ArrayPool<T>.Shared.Return(v1);
        ArrayPool<T>.Shared.Return(s2);
    }

    /// <summary>One gated equivariant block: weights transposed to [in, out] for the forward products.</summary>
    private sealed class Block
    {
        private readonly T[] _mixT, _mlp1T, _mlp1Bias, _mlp2T, _mlp2Bias;
        private readonly int _fIn, _nOut, _hidden;
        private readonly bool _last;

        public Block(ParameterSet<T> parameters, string prefix, int fIn, int fOut, int nOut, int hidden, bool last)
        {
            _fIn = fIn;
            FOut = fOut;
            _nOut = nOut;
            _hidden = hidden;
            _last = last;
            _mixT = Transposed(parameters[prefix + ".mix.weight"]);
            _mlp1T = Transposed(parameters[prefix + ".mlp1.weight"]);
            _mlp1Bias = parameters[prefix + ".mlp1.bias"].Span.ToArray();
            _mlp2T = Transposed(parameters[prefix + ".mlp2.weight"]);
            _mlp2Bias = parameters[prefix + ".mlp2.bias"].Span.ToArray();
        }

        public int FOut { get; }

        private static T[] Transposed(Tensor<T> w) => DenseRows.Transposed(w.Span, w.Shape[0], w.Shape[1]);

        /// <summary>
        /// (s, v) [c, fIn], [c, 3, fIn] → s' [c, fOut] (silu unless last) and v' [c, 3, nOut] = x_v ⊙ W·v, where
        /// x = mlp2(silu(mlp1([s, ‖V·v‖]))) = (x_s, x_v).
        /// </summary>
        public void Forward(int count, ReadOnlySpan<T> s, ReadOnlySpan<T> v, Span<T> sOut, Span<T> vOut, T eps)
        {
            int n2 = 2 * _nOut, ctxWidth = _fIn + _nOut, xWidth = FOut + _nOut;
            var mixed = ArrayPool<T>.Shared.Rent(3 * count * n2);
            var ctx = ArrayPool<T>.Shared.Rent(count * ctxWidth);
            var hidden = ArrayPool<T>.Shared.Rent(count * _hidden);
            var x = ArrayPool<T>.Shared.Rent(count * xWidth);
            Gemm.Multiply(false, false, 3 * count, n2, _fIn, T.One, v, _fIn, _mixT, n2, T.Zero, mixed, n2);
            for (int a = 0; a < count; a++)
            {
                s.Slice(a * _fIn, _fIn).CopyTo(ctx.AsSpan(a * ctxWidth, _fIn));
                int r = 3 * a * n2;
                // As Tensor.Norm over the Cartesian rows: squares summed in order, plus eps, square-rooted.
                for (int c = 0; c < _nOut; c++)
                {
                    T p = mixed[r + c], q = mixed[r + n2 + c], w = mixed[r + (2 * n2) + c];
                    ctx[(a * ctxWidth) + _fIn + c] = T.Sqrt((p * p) + (q * q) + (w * w) + eps);
                }
            }
            DenseRows.Linear(count, _hidden, ctxWidth, ctx, _mlp1T, _mlp1Bias, hidden);
            DenseRows.Silu(hidden.AsSpan(0, count * _hidden), hidden.AsSpan(0, count * _hidden));
            DenseRows.Linear(count, xWidth, _hidden, hidden, _mlp2T, _mlp2Bias, x);
            for (int a = 0; a < count; a++)
            {
                var xs = x.AsSpan(a * xWidth, FOut);
                var dst = sOut.Slice(a * FOut, FOut);
                xs.CopyTo(dst);
                if (!_last) DenseRows.Silu(dst, dst);
                int r = 3 * a * n2;
                for (int k = 0; k < 3; k++)
                    for (int c = 0; c < _nOut; c++)
                        vOut[(((3 * a) + k) * _nOut) + c] = x[(a * xWidth) + FOut + c] * mixed[r + (k * n2) + _nOut + c];
            }
            ArrayPool<T>.Shared.Return(mixed);
            ArrayPool<T>.Shared.Return(ctx);
            ArrayPool<T>.Shared.Return(hidden);
            ArrayPool<T>.Shared.Return(x);
        }
    }
}
