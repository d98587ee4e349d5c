namespace CatPot.Models;

/// <summary>The energy head of a model (contract: "mae" regression or "hlgauss" classification).</summary>
public enum EnergyHeadKind
{
    /// <summary>Regression head trained with |ŷ_n − y_n| (metadata value "mae").</summary>
    Mae,

    /// <summary>HL-Gauss histogram head trained with cross-entropy (metadata value "hlgauss").</summary>
    HLGauss,
}
