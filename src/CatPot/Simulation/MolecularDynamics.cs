using CatPot.Chemistry;
using CatPot.Tensors;

namespace CatPot.Simulation;

/// <summary>
/// Molecular dynamics of one structure: velocity Verlet (NVE) or Langevin BAOAB (NVT), in Å, fs, amu and eV.
/// Positions are updated in place in <see cref="Structure"/>; forces come from an <see cref="IForceCalculator"/>,
/// evaluated once per step.
/// </summary>
/// <remarks>
/// BAOAB (Leimkuhler &amp; Matthews 2013): half kick, half drift, exact Ornstein–Uhlenbeck velocity update
/// v ← c·v + √(1−c²)·√(k_B T/m)·ξ with c = exp(−γ·dt), half drift, forces, half kick. After the O step the
/// centre-of-mass velocity is removed so that the thermostat cannot make the molecule drift (like ASE's
/// <c>fixcm=True</c>); temperatures therefore use 3N − 3 degrees of freedom in both ensembles.
/// </remarks>
public sealed class MolecularDynamics
{
    private readonly IForceCalculator _calculator;
    private readonly double[] _masses;
    private readonly double[] _inverseMasses;
    private readonly Xoshiro256StarStar _noise;

    /// <summary>Sets up a run and computes the forces at the starting positions.</summary>
    /// <param name="calculator">The forces.</param>
    /// <param name="structure">The system; its positions are moved in place.</param>
    /// <param name="velocities">Initial velocities in Å/fs (3N), e.g. from <see cref="MaxwellBoltzmann.Sample"/>; copied.</param>
    /// <param name="settings">Integrator settings.</param>
    public MolecularDynamics(IForceCalculator calculator, Structure structure, ReadOnlySpan<double> velocities, MolecularDynamicsSettings settings)
    {
        settings.Validate();
        if (velocities.Length != 3 * structure.AtomCount)
            throw new ArgumentException($"velocities has {velocities.Length} values; {structure.AtomCount} atoms need {3 * structure.AtomCount}.", nameof(velocities));
        _calculator = calculator;
        Structure = structure;
        Settings = settings;
        _masses = Kinetics.Masses(structure.Numbers);
        _inverseMasses = new double[_masses.Length];
        for (int a = 0; a < _masses.Length; a++) _inverseMasses[a] = 1 / _masses[a];
        Velocities = velocities.ToArray();
        Result = new CalculationResult(structure.AtomCount);
        _noise = new Xoshiro256StarStar(settings.Seed);
        _calculator.Calculate(Structure, Result);
    }

    /// <summary>The system; positions are current.</summary>
    public Structure Structure { get; }

    /// <summary>Integrator settings.</summary>
    public MolecularDynamicsSettings Settings { get; }

    /// <summary>Velocities in Å/fs, flat atom-major.</summary>
    public double[] Velocities { get; }

    /// <summary>Masses in amu.</summary>
    public ReadOnlySpan<double> Masses => _masses;

    /// <summary>Energy, forces, std_E and entropy at the current positions.</summary>
    public CalculationResult Result { get; }

    /// <summary>Steps taken.</summary>
    public long StepCount { get; private set; }

    /// <summary>Simulated time in fs.</summary>
    public double Time => StepCount * Settings.TimeStep;

    /// <summary>Degrees of freedom used for the temperature (3N − 3).</summary>
    public int DegreesOfFreedom => Kinetics.DegreesOfFreedomWithoutCentreOfMass(Structure.AtomCount);

    /// <summary>Kinetic energy in eV.</summary>
    public double KineticEnergy => Kinetics.KineticEnergy(_masses, Velocities);

    /// <summary>Potential plus kinetic energy in eV.</summary>
    public double TotalEnergy => Result.Energy + KineticEnergy;

    /// <summary>Instantaneous temperature in K.</summary>
    public double Temperature => Kinetics.Temperature(KineticEnergy, DegreesOfFreedom);

    /// <summary>The thermostat's target temperature for the next step, K (follows the ramp when there is one).</summary>
    public double TargetTemperature => Settings.TargetTemperature(StepCount);

    /// <summary>Advances one time step.</summary>
    /// <exception cref="SimulationDivergedException">The positions or the energy became non-finite; the state is unusable.</exception>
    public void Step()
    {
        double dt = Settings.TimeStep;
        if (Settings.Thermostat == Thermostat.Langevin)
        {
            Kick(0.5 * dt);
            Drift(0.5 * dt);
            OrnsteinUhlenbeck(dt);
            Drift(0.5 * dt);
        }
        else
        {
            Kick(0.5 * dt);
            Drift(dt);
        }
        // Checked here so a blow-up reads as what it is, not as a bad input to the calculator.
        foreach (double x in Structure.Positions)
            if (!double.IsFinite(x)) throw new SimulationDivergedException(StepCount + 1, Time + dt, "the positions became non-finite");
        _calculator.Calculate(Structure, Result);
        if (!double.IsFinite(Result.Energy)) throw new SimulationDivergedException(StepCount + 1, Time + dt, "the energy became non-finite");
        Kick(0.5 * dt);
        foreach (double v in Velocities)
            if (!double.IsFinite(v)) throw new SimulationDivergedException(StepCount + 1, Time + dt, "the velocities became non-finite (non-finite or overflowing forces)");
        StepCount++;
    }

    private void Kick(double dt)
    {
        var v = Velocities;
        var f = Result.Forces;
        double scale = dt * AseUnits.AccelerationPerForceOverMass;
        for (int a = 0; a < _masses.Length; a++)
        {
            double s = scale * _inverseMasses[a];
            v[3 * a] += s * f[3 * a];
            v[3 * a + 1] += s * f[3 * a + 1];
            v[3 * a + 2] += s * f[3 * a + 2];
        }
    }

    private void Drift(double dt)
    {
        var x = Structure.Positions;
        var v = Velocities;
        for (int k = 0; k < x.Length; k++) x[k] += dt * v[k];
    }

    private void OrnsteinUhlenbeck(double dt)
    {
        double c = Math.Exp(-Settings.Friction * dt);
        double noise = Math.Sqrt(Math.Max(1 - c * c, 0));
        double kT = AseUnits.Boltzmann * Settings.TargetTemperature(StepCount) * AseUnits.AccelerationPerForceOverMass;
        var v = Velocities;
        for (int a = 0; a < _masses.Length; a++)
        {
            double sigma = noise * Math.Sqrt(kT * _inverseMasses[a]);
            for (int k = 3 * a; k < 3 * a + 3; k++) v[k] = c * v[k] + sigma * _noise.NextGaussian();
        }
        Kinetics.RemoveCentreOfMassMotion(_masses, v);
    }
}
