namespace CatPot.Tensors.Optim;

/// <summary>A trainable float32 tensor with its name and whether decoupled weight decay applies to it (biases opt out).</summary>
public sealed class Parameter
{
    /// <summary>Wraps <paramref name="value"/> (a leaf) as a parameter and marks it as requiring gradients.</summary>
    public Parameter(string name, Tensor<float> value, bool weightDecay = true)
    {
        if (!value.IsLeaf) throw new ArgumentException($"Parameter '{name}' must be a leaf tensor, not the result of an op.", nameof(value));
        Name = name;
        Value = value;
        WeightDecay = weightDecay;
        value.RequiresGrad = true;
        value.Name ??= name;
    }

    /// <summary>The parameter's name (e.g. its checkpoint key).</summary>
    public string Name { get; }

    /// <summary>The values, updated in place by optimisers.</summary>
    public Tensor<float> Value { get; }

    /// <summary>Whether the optimiser's weight decay applies.</summary>
    public bool WeightDecay { get; }

    /// <summary>The accumulated gradient (<see cref="Tensor{T}.Grad"/> of <see cref="Value"/>), or null.</summary>
    public Tensor<float>? Grad => Value.Grad;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Tensor.FormatShape(Value.Shape)}";
}
