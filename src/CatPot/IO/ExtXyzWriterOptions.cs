namespace CatPot.IO;

/// <summary>Which names <see cref="ExtXyzWriter"/> writes the labels under. Defaults are ASE's.</summary>
public sealed record ExtXyzWriterOptions
{
    /// <summary>ASE names: <c>energy</c>, <c>forces</c>, <c>charge</c>, <c>spin</c>.</summary>
    public static ExtXyzWriterOptions Default { get; } = new();

    /// <summary>MACE names: <c>REF_energy</c>, <c>REF_forces</c>, <c>total_charge</c>, <c>total_spin</c>.</summary>
    public static ExtXyzWriterOptions Mace { get; } = new()
    {
        EnergyKey = "REF_energy", ForcesKey = "REF_forces", ChargeKey = "total_charge", SpinKey = "total_spin",
    };

    /// <summary>Comment-line key for <see cref="Chemistry.Structure.Energy"/>.</summary>
    public string EnergyKey { get; init; } = "energy";

    /// <summary>Column name for <see cref="Chemistry.Structure.Forces"/> (written as <c>name:R:3</c>).</summary>
    public string ForcesKey { get; init; } = "forces";

    /// <summary>Comment-line key for <see cref="Chemistry.Structure.Charge"/>.</summary>
    public string ChargeKey { get; init; } = "charge";

    /// <summary>Comment-line key for <see cref="Chemistry.Structure.Spin"/>.</summary>
    public string SpinKey { get; init; } = "spin";
}
