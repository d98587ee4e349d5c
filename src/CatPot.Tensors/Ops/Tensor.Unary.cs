using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace CatPot.Tensors;

public static partial class Tensor
{
    private delegate void SpanMap<T>(ReadOnlySpan<T> x, Span<T> y);

    /// <summary>Applies an element-wise kernel into a new tensor of x's shape (no recording).</summary>
    private static Tensor<T> Map<T>(Tensor<T> x, SpanMap<T> kernel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Tensor<T>.Uninitialized(x.Shape);
        kernel(x.Span, y.Span);
        return y;
    }

    /// <summary>eˣ element-wise.</summary>
    public static Tensor<T> Exp<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Map(x, static (s, d) => TP.Exp(s, d));
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Exp), [x], g => [Mul(g, y)]);
    }

    /// <summary>Natural logarithm element-wise.</summary>
    public static Tensor<T> Log<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Map(x, static (s, d) => TP.Log(s, d));
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Log), [x], g => [Div(g, x)]);
    }

    /// <summary>Square root element-wise.</summary>
    public static Tensor<T> Sqrt<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Map(x, static (s, d) => TP.Sqrt(s, d));
        if (!Autograd.ShouldRecord(x)) return y;
        T half = T.One / (T.One + T.One);
        return Autograd.Record(y, nameof(Sqrt), [x], g => [Scale(Div(g, y), half)]);
    }

    /// <summary>Sine element-wise.</summary>
    public static Tensor<T> Sin<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Map(x, static (s, d) => TP.Sin(s, d));
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Sin), [x], g => [Mul(g, Cos(x))]);
    }

    /// <summary>Cosine element-wise.</summary>
    public static Tensor<T> Cos<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Map(x, static (s, d) => TP.Cos(s, d));
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Cos), [x], g => [Neg(Mul(g, Sin(x)))]);
    }

    /// <summary>|x| element-wise; the gradient at 0 is taken as 0.</summary>
    public static Tensor<T> Abs<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Map(x, static (s, d) => TP.Abs(s, d));
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Abs), [x], g =>
        {
            // The sign is piecewise constant, so it enters the rule as a constant and second derivatives are 0.
            var sign = Tensor<T>.Scratch(x.Shape);
            ReadOnlySpan<T> xs = x.Span;
            var ss = sign.Span;
            for (int i = 0; i < xs.Length; i++)
                ss[i] = xs[i] > T.Zero ? T.One : xs[i] < T.Zero ? -T.One : T.Zero;
            return [Mul(g, sign)];
        });
    }

    /// <summary>x² element-wise.</summary>
    public static Tensor<T> Square<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Map(x, static (s, d) => TP.Multiply(s, s, d));
        if (!Autograd.ShouldRecord(x)) return y;
        T two = T.One + T.One;
        return Autograd.Record(y, nameof(Square), [x], g => [Mul(g, Scale(x, two))]);
    }

    /// <summary>1/x element-wise.</summary>
    public static Tensor<T> Reciprocal<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Map(x, static (s, d) => TP.Reciprocal(s, d));
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Reciprocal), [x], g => [Neg(Mul(g, Square(y)))]);
    }

    /// <summary>
    /// Clamps each element to [<paramref name="min"/>, <paramref name="max"/>]. The gradient passes where
    /// min ≤ x ≤ max and is 0 outside (PyTorch's convention).
    /// </summary>
    public static Tensor<T> Clamp<T>(Tensor<T> x, T min, T max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (min > max) throw new ArgumentException($"Clamp: min {min} is greater than max {max}.", nameof(min));
        var y = Tensor<T>.Uninitialized(x.Shape);
        TP.Clamp(x.Span, min, max, y.Span);
        if (!Autograd.ShouldRecord(x)) return y;
        return Autograd.Record(y, nameof(Clamp), [x], g =>
        {
            var mask = Tensor<T>.Scratch(x.Shape);
            ReadOnlySpan<T> xs = x.Span;
            var ms = mask.Span;
            for (int i = 0; i < xs.Length; i++) ms[i] = xs[i] >= min && xs[i] <= max ? T.One : T.Zero;
            return [Mul(g, mask)];
        });
    }
}
