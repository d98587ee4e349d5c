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
/// <para>Arrays come in size classes about 12 % apart, and a request may take a free array up to two classes larger,
/// so batches whose sizes differ a little share storage; a tensor's backing array (<see cref="Tensor{T}.Data"/>) may
/// therefore be longer than its <see cref="Tensor{T}.Length"/>. Free arrays of a class unused for 8 outermost scopes
/// are dropped, so what the arena holds follows the sizes in current use.</para>
/// <para>Scopes nest: an inner scope returns only what was made inside it. An arena belongs to one thread at a time;
/// the worker threads of a parallel kernel never see it and allocate normally.</para>
/// </remarks>
public sealed class TensorArena
{
    [ThreadStatic] private static TensorArena? t_active;

    private readonly Pool<float> _floats = new();
    private readonly Pool<double> _doubles = new();
    private int _depth;
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
        _depth++;
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
        if (--_depth == 0)
        {
            _floats.EndOuterScope();
            _doubles.EndOuterScope();
        }
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
        private readonly Dictionary<int, long> _lastUse = [];
        private long _serial;

        // Outermost scopes a size class may go unused before its free arrays are dropped.
        private const int IdleScopes = 8;

        public long RetainedElements { get; private set; }

        public long Allocations { get; private set; }

        public int Mark => _inUse.Count;

        public T[] Rent(int length)
        {
            int capacity = SizeClass(length);
            T[]? array = null;
            // A free array up to two classes larger (≤ ~27 % bigger) serves too, so batches of varying size share arrays.
            for (int c = capacity, tries = 0; tries < 3 && array is null; tries++, c = SizeClass(c + 1))
            {
                if (_free.TryGetValue(c, out var stack) && stack.Count > 0)
                {
                    array = stack.Pop();
                    _lastUse[c] = _serial;
                }
            }
            if (array is null)
            {
                array = GC.AllocateUninitializedArray<T>(capacity);
                RetainedElements += capacity;
                Allocations++;
                _lastUse[capacity] = _serial;
            }
            _inUse.Add(array);
            return array;
        }

        // After each outermost scope: arrays of a size class no scope has used for a while are dropped, so retention
        // follows the sizes currently in use instead of every size ever seen (training batches vary in size).
        public void EndOuterScope()
        {
            _serial++;
            foreach (var (capacity, stack) in _free)
            {
                if (stack.Count == 0 || _lastUse.GetValueOrDefault(capacity) >= _serial - IdleScopes) continue;
                RetainedElements -= (long)stack.Count * capacity;
                stack.Clear();
            }
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
