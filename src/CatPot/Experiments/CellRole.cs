namespace CatPot.Experiments;

/// <summary>Why a cell was run.</summary>
public enum CellRole
{
    /// <summary>One of the grid's main cells.</summary>
    Main,

    /// <summary>The best HL-Gauss cell retrained at another softmax temperature.</summary>
    TemperatureSweep,
}
