using CatPot.Chemistry;

namespace CatPot.IO;

/// <summary>
/// Settings for <see cref="ExtXyzReader"/>; <see cref="StructureFiles"/> applies the units and the model/energy
/// checks to every format (LMDB and ASE database rows too).
/// </summary>
public sealed record ExtXyzReaderOptions
{
    /// <summary>Defaults: ASE/MACE label keys, 0.1 Å close-contact limit, at most 10,000,000 atoms per frame.</summary>
    public static ExtXyzReaderOptions Default { get; } = new();

    /// <summary>Where energy, forces, charge and spin are looked for.</summary>
    public ExtXyzKeys Keys { get; init; } = ExtXyzKeys.Default;

    /// <summary>
    /// Two atoms closer than this (Å) make the frame invalid; 0 turns the check off.
    /// Distances are direct (no periodic images).
    /// </summary>
    public double MinInteratomicDistance { get; init; } = StructureValidator.DefaultMinDistance;

    /// <summary>A count line above this is rejected before anything is allocated.</summary>
    public int MaxAtomsPerFrame { get; init; } = 10_000_000;

    /// <summary>
    /// Refuse frames the model cannot evaluate (<see cref="StructureValidator.ValidateModelInputs"/>): an element
    /// beyond Z = 100, a charge outside ±10, a spin multiplicity above 11, or a periodic cell. Set by every command
    /// that trains or evaluates a model; <c>data info</c> reads such frames and reports them instead.
    /// </summary>
    public bool RequireModelInputs { get; init; }

    /// <summary>Refuse frames without an energy label (training and validation sets).</summary>
    public bool RequireEnergy { get; init; }

    /// <summary>The unit energies are written in; they are converted to eV as they are read.</summary>
    public LabelUnit EnergyUnit { get; init; } = LabelUnit.ElectronVolt;

    /// <summary>The unit forces are written in; they are converted to eV/Å as they are read.</summary>
    public LabelUnit ForceUnit { get; init; } = LabelUnit.ElectronVoltPerAngstrom;

    /// <summary>Defaults plus <see cref="RequireModelInputs"/>: for commands that evaluate a model.</summary>
    public static ExtXyzReaderOptions ForModel { get; } = new() { RequireModelInputs = true };

    /// <summary>Defaults plus <see cref="RequireModelInputs"/> and <see cref="RequireEnergy"/>: for training and validation sets.</summary>
    public static ExtXyzReaderOptions ForTraining { get; } = new() { RequireModelInputs = true, RequireEnergy = true };
}
