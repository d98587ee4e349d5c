using System.Numerics;
using System.Text.Json.Nodes;
using CatPot.Tensors;

namespace CatPot.Models;

/// <summary>
/// Saves and loads a <see cref="Potential{T}"/> as a safetensors model file: float32 weights under the contract's
/// names and the non-trainable values in <c>__metadata__</c>, in the same style as the PyTorch peer, so files move
/// between the two implementations in both directions.
/// </summary>
public static class PotentialFile
{
    /// <summary>Reads, validates and loads a model file.</summary>
    /// <typeparam name="T">float for use, double for exact checks (float32 weights are widened exactly).</typeparam>
    /// <param name="path">The safetensors file.</param>
    /// <exception cref="ModelFileException">The file is unreadable, malformed, or does not match the model contract.</exception>
    public static Potential<T> Load<T>(string path) where T : unmanaged, IFloatingPointIeee754<T> => Load<T>(path, out _);

    /// <summary>As <see cref="Load{T}(string)"/>, also returning the file's metadata (e.g. its training-set description).</summary>
    /// <exception cref="ModelFileException">The file is unreadable, malformed, or does not match the model contract.</exception>
    public static Potential<T> Load<T>(string path, out ModelMetadata metadata) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var file = SafeTensorsFile.Read(path);
        return FromSafeTensors<T>(file, out metadata);
    }

    /// <summary>Builds a model from an already-read safetensors file, validating it against the contract.</summary>
    /// <exception cref="ModelFileException">The metadata or tensors do not match the model contract.</exception>
    public static Potential<T> FromSafeTensors<T>(SafeTensorsFile file, out ModelMetadata metadata) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(file);
        metadata = ModelContract.Validate(file);
        var model = new Potential<T>(metadata.Config, metadata.Statistics);
        foreach (var (name, tensor, _) in model.Parameters.Items)
        {
            // Validate guarantees every parameter is present, of this shape, floating point and finite.
            var entry = file.Tensors[name];
            var dst = tensor.Span;
            if (entry.Float64 is { } d)
                for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateChecked(d[i]);
            else
            {
                var f = entry.ToSingleArray();
                for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateChecked(f[i]);
            }
        }
        return model;
    }

    /// <summary>Saves the model's current weights as float32 with its metadata; the file is replaced atomically.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">Target file (its folder must exist).</param>
    /// <param name="trainingSet">Description of the training set to store with the model.</param>
    /// <exception cref="ModelFileException">The file cannot be written.</exception>
    /// <exception cref="ArgumentException">A weight is not finite.</exception>
    public static void Save<T>(Potential<T> model, string path, JsonObject? trainingSet = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var weights = new List<float[]>(model.Parameters.Count);
        foreach (var (_, tensor, _) in model.Parameters.Items)
        {
            var src = tensor.Span;
            var w = new float[src.Length];
            for (int i = 0; i < w.Length; i++) w[i] = float.CreateChecked(src[i]);
            weights.Add(w);
        }
        ToSafeTensors(model, weights, trainingSet).Write(path);
    }

    /// <summary>
    /// Saves <paramref name="weights"/> (e.g. the EMA of the weights) under the names and shapes of
    /// <paramref name="model"/>'s parameters, in <see cref="ParameterSet{T}.Items"/> order, with the model's metadata.
    /// </summary>
    /// <exception cref="ArgumentException">The count or a length of <paramref name="weights"/> does not match the parameters, or a weight is not finite.</exception>
    /// <exception cref="ModelFileException">The file cannot be written.</exception>
    public static void Save<T>(Potential<T> model, IReadOnlyList<float[]> weights, string path, JsonObject? trainingSet = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        ToSafeTensors(model, weights, trainingSet).Write(path);
    }

    /// <summary>The safetensors image of a model with the given float32 weights (in parameter order).</summary>
    /// <exception cref="ArgumentException">The count or a length of <paramref name="weights"/> does not match the parameters, or a weight is not finite.</exception>
    public static SafeTensorsFile ToSafeTensors<T>(Potential<T> model, IReadOnlyList<float[]> weights, JsonObject? trainingSet = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        var items = model.Parameters.Items;
        if (weights.Count != items.Count)
            throw new ArgumentException($"{weights.Count} weight arrays given; the model has {items.Count} parameters.", nameof(weights));
        var tensors = new List<KeyValuePair<string, SafeTensorsEntry>>(items.Count);
        for (int p = 0; p < items.Count; p++)
        {
            var (name, tensor, _) = items[p];
            var w = weights[p] ?? throw new ArgumentException($"The weights of '{name}' are null.", nameof(weights));
            if (w.Length != tensor.Length)
                throw new ArgumentException($"The weights of '{name}' have {w.Length} values; its shape {Tensor.FormatShape(tensor.Shape)} needs {tensor.Length}.", nameof(weights));
            for (int i = 0; i < w.Length; i++)
                if (!float.IsFinite(w[i]))
                    throw new ArgumentException($"The weights of '{name}' hold {w[i]} at flat index {i}; a saved model must be finite (in float32).", nameof(weights));
            tensors.Add(new(name, SafeTensorsEntry.FromFloat32((int[])tensor.Shape.Clone(), w)));
        }
        var metadata = ModelMetadata.Of(model.Config, model.Statistics, trainingSet);
        return new SafeTensorsFile(tensors, metadata.ToSafeTensorsMetadata());
    }
}
