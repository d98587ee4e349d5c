using System.Numerics;
using System.Text;

namespace CatPot.Tensors;

/// <summary>
/// A dense, contiguous, row-major tensor of <typeparamref name="T"/> (float for models, double for checks)
/// that can take part in reverse-mode automatic differentiation.
/// </summary>
/// <remarks>
/// A tensor is either a leaf (created from data; a parameter when <see cref="RequiresGrad"/> is set) or the
/// result of an op, in which case, while gradients are recorded, it remembers how to send gradients back to
/// its inputs. Ops never modify their inputs, so a recorded graph stays valid until it is dropped.
/// The arithmetic lives in the static <see cref="Tensor"/> class; operators here forward to it.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class Tensor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _data;
    private readonly int _length;
    private bool _requiresGrad;

    /// <summary>Creates a zero-filled tensor of the given shape, in ordinary memory (see <see cref="Scratch"/> for arena storage).</summary>
    public Tensor(params int[] shape)
        : this(new T[Tensor.ElementCount(shape)], shape, copyShape: true, exact: true)
    {
    }

    /// <summary>
    /// A zero-filled tensor for an op's result or gradient. Inside a <see cref="TensorArena"/> scope its storage comes
    /// from the arena and is recycled when the scope ends; elsewhere it is an ordinary tensor. The shape is copied.
    /// </summary>
    public static Tensor<T> Scratch(params int[] shape)
        => new(Allocate(shape, zero: true), (int[])shape.Clone(), copyShape: false, exact: false);

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The data length does not equal the product of the shape.</exception>
    public Tensor(T[] data, params int[] shape)
        : this(data, shape, copyShape: true, exact: true)
    {
    }

    private Tensor(T[] data, int[] shape, bool copyShape, bool exact)
    {
        long n = Tensor.ElementCount(shape);
        if (exact ? data.Length != n : data.Length < n)
            throw new ArgumentException($"Data has {data.Length} elements but shape {Tensor.FormatShape(shape)} needs {n}.", nameof(data));
        _data = data;
        _length = (int)n;
        Shape = copyShape ? (int[])shape.Clone() : shape;
    }

    private static T[] Allocate(int[] shape, bool zero)
    {
        int n = checked((int)Tensor.ElementCount(shape));
        var pooled = TensorArena.Rent<T>(n);
        if (pooled is null) return zero ? new T[n] : GC.AllocateUninitializedArray<T>(n);
        if (zero) Array.Clear(pooled, 0, n);
        return pooled;
    }

    /// <summary>The dimensions, outermost first. Do not modify.</summary>
    public int[] Shape { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>Total number of elements.</summary>
    public int Length => _length;

    /// <summary>The elements, row-major. Writing through this span on a tensor that is part of a recorded graph corrupts its gradients.</summary>
    public Span<T> Span => _data.AsSpan(0, _length);

    /// <summary>
    /// The backing array (row-major). Same caveat as <see cref="Span"/>; for a tensor made inside a <see cref="TensorArena"/>
    /// scope it may be longer than <see cref="Length"/>.
    /// </summary>
    public T[] Data => _data;

    /// <summary>
    /// Whether gradients should flow to this leaf. Set it on parameters and on inputs you differentiate with
    /// respect to (e.g. positions for forces). Only leaves may be marked.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (Node is not null && value)
                throw new InvalidOperationException("RequiresGrad can only be set on leaf tensors; this tensor is the result of an op.");
            _requiresGrad = value;
        }
    }

    /// <summary>The gradient accumulated by <see cref="Autograd.Backward{T}(Tensor{T}, Tensor{T}?)"/>, or null.</summary>
    public Tensor<T>? Grad { get; set; }

    /// <summary>An optional name used in error messages and debugging (e.g. a parameter name).</summary>
    public string? Name { get; set; }

    /// <summary>How this tensor was computed, when it was recorded in a graph.</summary>
    internal GraphNode<T>? Node { get; set; }

    /// <summary>True when gradients can flow through this tensor (a marked leaf or a recorded op result).</summary>
    public bool TracksGrad => _requiresGrad || Node is not null;

    /// <summary>True when the tensor was not produced by a recorded op.</summary>
    public bool IsLeaf => Node is null;

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => Shape[axis < 0 ? Shape.Length + axis : axis];

    /// <summary>The value of a one-element tensor.</summary>
    public T ToScalar() => _length == 1
        ? _data[0]
        : throw new InvalidOperationException($"ToScalar() needs a one-element tensor, this one has shape {Tensor.FormatShape(Shape)}.");

    /// <summary>Element at a flat (row-major) index.</summary>
    public T this[int flatIndex]
    {
        get => _data[CheckIndex(flatIndex)];
        set => _data[CheckIndex(flatIndex)] = value;
    }

    private int CheckIndex(int flatIndex) => (uint)flatIndex < (uint)_length
        ? flatIndex
        : throw new ArgumentOutOfRangeException(nameof(flatIndex), flatIndex, $"The tensor has {_length} elements.");

    /// <summary>Element of a matrix.</summary>
    public T this[int row, int column]
    {
        get => _data[CheckIndex((row * Shape[^1]) + column)];
        set => _data[CheckIndex((row * Shape[^1]) + column)] = value;
    }

    /// <summary>A tensor sharing this one's data but outside any graph.</summary>
    public Tensor<T> Detach() => new(_data, Shape, copyShape: false, exact: false);

    /// <summary>A deep copy outside any graph, in ordinary memory (never from a <see cref="TensorArena"/>).</summary>
    public Tensor<T> Clone() => new(ToArray(), Shape, copyShape: true, exact: true);

    /// <summary>A copy of the elements.</summary>
    public T[] ToArray() => _data.AsSpan(0, _length).ToArray();

    /// <summary>
    /// A tensor whose elements are not zeroed (large arrays skip the clearing pass); for ops that overwrite every element.
    /// The shape is copied.
    /// </summary>
    internal static Tensor<T> Uninitialized(int[] shape)
        => new(Allocate(shape, zero: false), (int[])shape.Clone(), copyShape: false, exact: false);

    /// <summary>Wraps data (at least as long as the shape needs) without copying the shape; for ops that built both correctly.</summary>
    internal static Tensor<T> Wrap(T[] data, int[] shape) => new(data, shape, copyShape: false, exact: false);

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Tensor<").Append(typeof(T).Name).Append('>').Append(Tensor.FormatShape(Shape));
        if (Name is not null) sb.Append(" '").Append(Name).Append('\'');
        if (Length <= 8)
        {
            sb.Append(" [");
            for (int i = 0; i < Length; i++) sb.Append(i > 0 ? ", " : "").Append(_data[i]);
            sb.Append(']');
        }
        return sb.ToString();
    }

    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Tensor<T> operator +(Tensor<T> a, Tensor<T> b) => Tensor.Add(a, b);

    /// <summary>Element-wise difference with broadcasting.</summary>
    public static Tensor<T> operator -(Tensor<T> a, Tensor<T> b) => Tensor.Sub(a, b);

    /// <summary>Element-wise product with broadcasting.</summary>
    public static Tensor<T> operator *(Tensor<T> a, Tensor<T> b) => Tensor.Mul(a, b);

    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Tensor<T> operator /(Tensor<T> a, Tensor<T> b) => Tensor.Div(a, b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor<T> operator +(Tensor<T> a, T b) => Tensor.AddScalar(a, b);

    /// <summary>Subtracts a scalar.</summary>
    public static Tensor<T> operator -(Tensor<T> a, T b) => Tensor.AddScalar(a, -b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor<T> operator *(Tensor<T> a, T b) => Tensor.Scale(a, b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor<T> operator *(T b, Tensor<T> a) => Tensor.Scale(a, b);

    /// <summary>Divides by a scalar.</summary>
    public static Tensor<T> operator /(Tensor<T> a, T b) => Tensor.Scale(a, T.One / b);

    /// <summary>Negation.</summary>
    public static Tensor<T> operator -(Tensor<T> a) => Tensor.Neg(a);
}
