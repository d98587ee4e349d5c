using System.CommandLine;

namespace CatPot.Cli;

/// <summary>The positional MODEL argument: a CatPot/contract safetensors model file.</summary>
public static class ModelArgument
{
    /// <summary>Creates the argument.</summary>
    public static Argument<string> Create() => new("model")
    {
        Description = "Model file (.safetensors) written by 'catpot train' or by the PyTorch reference implementation.",
    };
}
