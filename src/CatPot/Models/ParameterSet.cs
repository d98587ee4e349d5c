using System.Numerics;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>
/// The named trainable tensors of a model, in a fixed order, with the contract's names
/// (e.g. <c>layers.0.message.phi1.weight</c>) and whether weight decay applies to each.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class ParameterSet<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(string Name, Tensor<T> Tensor, bool Decay)> _items = [];
    private readonly Dictionary<string, Tensor<T>> _byName = new(StringComparer.Ordinal);
    private readonly List<LinearLayer<T>> _layers = [];

    /// <summary>The linear layers built on these parameters, in construction order.</summary>
    public IReadOnlyList<LinearLayer<T>> Layers => _layers;

    internal void AddLayer(LinearLayer<T> layer) => _layers.Add(layer);

    /// <summary>Number of tensors.</summary>
    public int Count => _items.Count;

    /// <summary>Total number of scalar parameters.</summary>
    public long ScalarCount => _items.Sum(p => (long)p.Tensor.Length);

    /// <summary>Names in registration order.</summary>
    public IEnumerable<string> Names => _items.Select(p => p.Name);

    /// <summary>(name, tensor, weight-decay flag) in registration order.</summary>
    public IReadOnlyList<(string Name, Tensor<T> Tensor, bool Decay)> Items => _items;

    /// <summary>The tensor registered under <paramref name="name"/>.</summary>
    public Tensor<T> this[string name] => _byName.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"No parameter named '{name}'.");

    /// <summary>The tensor registered under <paramref name="name"/>, or null when there is none.</summary>
    public Tensor<T>? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Creates and registers a zero tensor that requires gradients.</summary>
    public Tensor<T> Add(string name, bool decay, params int[] shape)
    {
        if (_byName.ContainsKey(name)) throw new ArgumentException($"Parameter '{name}' is registered twice.", nameof(name));
        var t = new Tensor<T>(shape) { Name = name, RequiresGrad = true };
        _items.Add((name, t, decay));
        _byName[name] = t;
        return t;
    }

    /// <summary>Sets every parameter's <see cref="Tensor{T}.RequiresGrad"/> (false for pure inference, so forward records nothing for weights).</summary>
    public void SetRequiresGrad(bool value)
    {
        foreach (var (_, t, _) in _items) t.RequiresGrad = value;
    }

    /// <summary>Clears accumulated gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, t, _) in _items) t.Grad = null;
    }
}
