namespace CatPot.Models;

/// <summary>The safetensors element types CatPot reads and writes (little-endian).</summary>
public enum SafeTensorsDType
{
    /// <summary>IEEE 754 binary32 ("F32"), the contract's parameter type.</summary>
    F32,

    /// <summary>IEEE 754 binary64 ("F64").</summary>
    F64,

    /// <summary>Signed 64-bit integer ("I64").</summary>
    I64,
}
