using System.Numerics;

namespace CatPot.Tensors;

/// <summary>
/// Recycles the storage of tensors made during a computation that repeats with similar shapes (a training step, an MD
/// step, an evaluation batch), so that after the first repetitions no fresh memory is allocated, zeroed by the runtime
/// or faulted in by the operating system.
/// </summary>
/// <remarks>
/// <para>While a scope from <see cref="Use"/> is open on a thread, every tensor that an op computes on that thread
/// (results and gradients, and anything made with <see cref="Tensor{T}.Scratch"/>) takes its array from the arena.
/// When the scope is disposed, all of those arrays go back to the arena and the next scope reuses them: op results
/// made inside a scope must not be read after it ends. Copy what you keep with <see cref="Tensor{T}.Clone"/> or
/// <see cref="Tensor{T}.ToArray"/>. Tensors you create with a constructor are ordinary memory and never recycled.</para>
/// <para>Arrays come in size classes about 12 % apart, so batches whose sizes differ a little share storage; a tensor's
/// backing array (<see cref="Tensor{T}.Data"/>) may therefore be longer than its <see cref="Tensor{T}.Length"/>.</para>
/// <para>Scopes nest: an inner scope returns only what was made inside it. An arena belongs to one thread at a time;
/// the worker threads of a parallel kernel never see it and allocate normally.</para>
/// </remarks>
public sealed class TensorArena
{
    [ThreadStatic] private static TensorArena? t_active;

    private readonly Pool<float> _floats = new();
    private readonly Pool<double> _doubles = new();
    /// <summary>Bytes currently held by the arena (free and in use).</summary>
    public long RetainedBytes => (_floats.RetainedElements * sizeof(float)) + (_doubles.RetainedElements * sizeof(double));

    /// <summary>Number of arrays the arena had to allocate because none of the right size class was free.</summary>
    public long Allocations => _floats.Allocations + _doubles.Allocations;

    /// <summary>True when a scope of some arena is open on the calling thread.</summary>
    public static bool IsActive => t_active is not null;

    /// <summary>
    /// Opens a scope on the calling thread: tensors made until it is disposed are recycled at that point.
    /// </summary>
    public Scope Use()
    {
        var previous = t_active;
        t_active = this;
        return new Scope(this, previous, _floats.Mark, _doubles.Mark);
    }

    /// <summary>Drops every free array (keeps those in use by an open scope), returning the memory to the runtime.</summary>
    public void Trim()
    {
        _floats.Trim();
        _doubles.Trim();
    }

    /// <summary>An array of at least <paramref name="length"/> elements from the active arena, or null when none is active.</summary>
    internal static T[]? Rent<T>(int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var arena = t_active;
        if (arena is null || length == 0) return null;
        if (typeof(T) == typeof(float)) return (T[])(object)arena._floats.Rent(length);
        if (typeof(T) == typeof(double)) return (T[])(object)arena._doubles.Rent(length);
        return null;
    }

    private void Close(TensorArena? previous, int floatMark, int doubleMark)
    {
        _floats.Release(floatMark);
        _doubles.Release(doubleMark);
        t_active = previous;
    }

    /// <summary>An open arena scope; disposing it recycles the storage of the tensors made inside it.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly TensorArena? _arena;
        private readonly TensorArena? _previous;
        private readonly int _floatMark, _doubleMark;

        internal Scope(TensorArena arena, TensorArena? previous, int floatMark, int doubleMark)
        {
            _arena = arena;
            _previous = previous;
            _floatMark = floatMark;
            _doubleMark = doubleMark;
        }

        /// <summary>Closes the scope.</summary>
        public void Dispose() => _arena?.Close(_previous, _floatMark, _doubleMark);
    }

    private sealed class Pool<T>
    {
        private readonly Dictionary<int, Stack<T[]>> _free = [];
        private readonly List<T[]> _inUse = [];

        public long RetainedElements { get; private set; }

        public long Allocations { get; private set; }

        public int Mark => _inUse.Count;

        public T[] Rent(int length)
        {
            int capacity = SizeClass(length);
            T[] array;
            if (_free.TryGetValue(capacity, out var stack) && stack.Count > 0)
            {
                array = stack.Pop();
            }
            else
            {
                array = GC.AllocateUninitializedArray<T>(capacity);
                RetainedElements += capacity;
                Allocations++;
            }
            _inUse.Add(array);
            return array;
        }

        public void Release(int mark)
        {
            for (int i = _inUse.Count - 1; i >= mark; i--)
            {
                var array = _inUse[i];
                if (!_free.TryGetValue(array.Length, out var stack)) _free[array.Length] = stack = new Stack<T[]>();
                stack.Push(array);
            }
            _inUse.RemoveRange(mark, _inUse.Count - mark);
        }

        public void Trim()
        {
            foreach (var stack in _free.Values)
            {
                foreach (var a in stack) RetainedElements -= a.Length;
                stack.Clear();
            }
        }

        // Eight classes per power of two above 64 elements: at most 12.5 % of an array is slack.
        private static int SizeClass(int length)
        {
            if (length <= 64) return 64;
            int exponent = 31 - BitOperations.LeadingZeroCount((uint)(length - 1));
            int step = 1 << (exponent - 3);
            return (int)Math.Min(Array.MaxLength, ((long)length + step - 1) / step * step);
        }
    }
}
