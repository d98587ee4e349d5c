using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Tensors;

public static partial class Tensor
{
    /// <summary>Sum of all elements, as a one-element tensor of shape [].</summary>
    public static Tensor<T> Sum<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Scalar(TP.Sum<T>(x.Span));
        if (!Autograd.ShouldRecord(x)) return y;
        var shape = x.Shape;
        return Autograd.Record(y, nameof(Sum), [x], g => [BroadcastTo(g, shape)]);
    }
}
