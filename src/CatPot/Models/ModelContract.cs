namespace CatPot.Models;

/// <summary>
/// The parameter names and shapes of the model contract (spec/model.md, v1) and the check that a
/// safetensors file holds exactly those.
/// </summary>
public static class ModelContract
{
    /// <summary>
    /// Tensors under this prefix are the fitted post-hoc uncertainty estimators (<c>CatPot.Uncertainty</c>), stored
    /// beside the weights; they are not model parameters, so the contract check lets them through.
    /// </summary>
    public const string UncertaintyTensorPrefix = "uncertainty.";

    /// <summary>Rows of the atomic-number embedding (Z = 0..100; row 0 unused).</summary>
    public const int AtomicNumberRows = 101;

    /// <summary>Rows of the charge embedding (Q + 10 for Q = −10..10).</summary>
    public const int ChargeRows = 21;

    /// <summary>Rows of the spin embedding (S − 1 for multiplicity S = 1..11).</summary>
    public const int SpinRows = 11;

    /// <summary>Largest weight magnitude a model file may hold: trained weights are of order 1, so anything near this is corrupt.</summary>
    public const double MaxWeightMagnitude = 1e6;

    /// <summary>
    /// Every parameter of a model with these hyperparameters, in contract order: embeddings, PaiNN layers, the energy
    /// head's own parameters (<see cref="Heads.EnergyHeadConfig.Parameters"/>), the direct force head.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">F is not a positive even number, or L or n_rbf is not positive.</exception>
    public static IReadOnlyList<ModelParameterSpec> ExpectedParameters(PotentialConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int f = config.Features, layers = config.Layers, rbfCount = config.RadialBasis;
        if (f < 2 || f % 2 != 0) throw new ArgumentOutOfRangeException(nameof(config), f, "F must be a positive even number (the heads use F/2).");
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rbfCount, 1);
        int h = f / 2;
        var p = new List<ModelParameterSpec>
        {
            new("embedding.z.weight", [AtomicNumberRows, f]),
            new("embedding.charge.weight", [ChargeRows, f]),
            new("embedding.spin.weight", [SpinRows, f]),
        };
        for (int l = 0; l < layers; l++)
        {
            string m = $"layers.{l}.message.", u = $"layers.{l}.update.";
            p.Add(new(m + "phi1.weight", [f, f]));
            p.Add(new(m + "phi1.bias", [f]));
            p.Add(new(m + "phi2.weight", [3 * f, f]));
            p.Add(new(m + "phi2.bias", [3 * f]));
            p.Add(new(m + "filter.weight", [3 * f, rbfCount]));
            p.Add(new(m + "filter.bias", [3 * f]));
            p.Add(new(u + "uv.weight", [2 * f, f]));
            p.Add(new(u + "a1.weight", [f, 2 * f]));
            p.Add(new(u + "a1.bias", [f]));
            p.Add(new(u + "a2.weight", [3 * f, f]));
            p.Add(new(u + "a2.bias", [3 * f]));
        }
        // CatPot's rank-2 extension, after every PaiNN layer as the model registers it.
        if (config.TensorFeatures) p.AddRange(RankTwoFeatures<float>.ExpectedParameters(config));
        p.AddRange(config.Head.Parameters(f));
        // block(F_in → F_out scalars, n_out vectors, hidden): block 1 F → F/2, F/2, F/2; block 2 F/2 → 1, 1, F/2.
        AddForceBlock(p, 1, fIn: f, fOut: h, nOut: h, hidden: h);
        AddForceBlock(p, 2, fIn: h, fOut: 1, nOut: 1, hidden: h);
        return p;
    }

    /// <summary>The expected parameters for the hyperparameters recorded in <paramref name="metadata"/>.</summary>
    public static IReadOnlyList<ModelParameterSpec> ExpectedParameters(ModelMetadata metadata) => ExpectedParameters(metadata.Config);

    /// <summary>
    /// Checks that <paramref name="file"/> holds exactly the contract's parameters for its metadata: no tensor
    /// missing, none extra, each of the right shape, floating point, finite and below <see cref="MaxWeightMagnitude"/> in size.
    /// </summary>
    /// <returns>The file's metadata, parsed.</returns>
    /// <exception cref="ModelFileException">Lists every missing, extra, mis-shaped or non-finite tensor.</exception>
    public static ModelMetadata Validate(SafeTensorsFile file)
    {
        var metadata = ModelMetadata.FromSafeTensors(file);
        Validate(file, metadata);
        return metadata;
    }

    /// <summary>As <see cref="Validate(SafeTensorsFile)"/>, against the given metadata.</summary>
    /// <exception cref="ModelFileException">Lists every missing, extra, mis-shaped or non-finite tensor.</exception>
    public static void Validate(SafeTensorsFile file, ModelMetadata metadata)
    {
        var expected = ExpectedParameters(metadata);
        var problems = new List<string>();
        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in expected)
        {
            expectedNames.Add(spec.Name);
            if (!file.Tensors.TryGetValue(spec.Name, out var t))
            {
                problems.Add($"missing tensor '{spec.Name}' (expected shape {spec.ShapeText})");
                continue;
            }
            if (!t.Shape.AsSpan().SequenceEqual(spec.Shape))
                problems.Add($"tensor '{spec.Name}' has shape [{string.Join(", ", t.Shape)}]; expected {spec.ShapeText}");
            else if (t.DType == SafeTensorsDType.I64)
                problems.Add($"tensor '{spec.Name}' is I64; expected F32 (or F64)");
            else if (FirstBadValue(t) is (long bad and >= 0, double value))
                problems.Add($"tensor '{spec.Name}' holds {value:G6} at flat index {bad} (weights must be finite and below {MaxWeightMagnitude:G0} in size)");
        }
        foreach (var name in file.Tensors.Keys.Order(StringComparer.Ordinal))
            if (!expectedNames.Contains(name) && !name.StartsWith(UncertaintyTensorPrefix, StringComparison.Ordinal))
                problems.Add($"unexpected tensor '{name}'");
        if (problems.Count > 0)
        {
            var c = metadata.Config;
            const int shown = 20;
            string list = string.Join("; ", problems.Take(shown)) + (problems.Count > shown ? $"; and {problems.Count - shown} more" : "");
            throw new ModelFileException(file.ToString(), null,
                $"the tensors do not match the model contract for F={c.Features}, L={c.Layers}, n_rbf={c.RadialBasis}, head {c.Head.Label}: {list}. " +
                "Check that the metadata's hyperparameters belong to these weights.");
        }
    }

    private static void AddForceBlock(List<ModelParameterSpec> p, int b, int fIn, int fOut, int nOut, int hidden)
    {
        string k = $"forces.block{b}.";
        p.Add(new(k + "mix.weight", [2 * nOut, fIn]));
        p.Add(new(k + "mlp1.weight", [hidden, fIn + nOut]));
        p.Add(new(k + "mlp1.bias", [hidden]));
        p.Add(new(k + "mlp2.weight", [fOut + nOut, hidden]));
        p.Add(new(k + "mlp2.bias", [fOut + nOut]));
    }

    private static (long Index, double Value) FirstBadValue(SafeTensorsEntry t)
    {
        if (t.Float32 is { } f)
        {
            for (int i = 0; i < f.Length; i++) if (!(Math.Abs(f[i]) <= MaxWeightMagnitude)) return (i, f[i]);
        }
        else if (t.Float64 is { } d)
        {
            for (int i = 0; i < d.Length; i++) if (!(Math.Abs(d[i]) <= MaxWeightMagnitude)) return (i, d[i]);
        }
        return (-1, 0);
    }
}
