namespace CatPot.Models;

/// <summary>One parameter tensor the model contract expects in a saved model: its safetensors key and shape.</summary>
/// <param name="Name">The safetensors key, e.g. <c>layers.0.message.phi1.weight</c>.</param>
/// <param name="Shape">The shape; Linear weights are [out, in].</param>
public sealed record ModelParameterSpec(string Name, int[] Shape)
{
    /// <summary>The shape as text, e.g. "[16, 32]".</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
