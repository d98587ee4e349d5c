using CatPot.Chemistry;

namespace CatPot.Simulation;

/// <summary>
/// FIRE geometry optimisation (Bitzek et al. 2006): damped MD on unit masses whose velocity is steered along the
/// force and reset whenever the system goes uphill. Positions are moved in place.
/// </summary>
public sealed class FireOptimizer
{
    private readonly IForceCalculator _calculator;

    /// <summary>Creates an optimiser.</summary>
    public FireOptimizer(IForceCalculator calculator, FireSettings? settings = null)
    {
        _calculator = calculator;
        Settings = settings ?? new FireSettings();
        Settings.Validate();
    }

    /// <summary>The settings.</summary>
    public FireSettings Settings { get; }

    /// <summary>
    /// Relaxes <paramref name="structure"/> until the largest force norm is at most <see cref="FireSettings.MaxForce"/>
    /// or the step limit is reached. <paramref name="observer"/> sees every evaluated geometry (step 0 first).
    /// </summary>
    public OptimizationResult Run(Structure structure, Action<int, CalculationResult>? observer = null)
    {
        var s = Settings;
        int n3 = 3 * structure.AtomCount;
        var result = new CalculationResult(structure.AtomCount);
        var v = new double[n3];
        var x = structure.Positions;
        var f = result.Forces;
        double dt = s.TimeStep, alpha = s.AlphaStart;
        int downhill = 0;

        _calculator.Calculate(structure, result);
        observer?.Invoke(0, result);
        for (int step = 1; ; step++)
        {
            double fmax = result.MaxForceNorm();
            if (fmax <= s.MaxForce) return new OptimizationResult(true, step - 1, result.Energy, fmax);
            if (step > s.MaxSteps) return new OptimizationResult(false, step - 1, result.Energy, fmax);

            double power = 0, vv = 0, ff = 0;
            for (int k = 0; k < n3; k++) { power += f[k] * v[k]; vv += v[k] * v[k]; ff += f[k] * f[k]; }
            if (power > 0)
            {
                double mix = ff > 0 ? alpha * Math.Sqrt(vv / ff) : 0;
                for (int k = 0; k < n3; k++) v[k] = (1 - alpha) * v[k] + mix * f[k];
                if (++downhill > s.MinDownhillSteps)
                {
                    dt = Math.Min(dt * s.Increase, s.MaxTimeStep);
                    alpha *= s.AlphaDecay;
                }
            }
            else
            {
                Array.Clear(v);
                downhill = 0;
                dt *= s.Decrease;
                alpha = s.AlphaStart;
            }

            // Euler step with unit masses; the whole displacement is scaled down if it is longer than MaxStep.
            double dr2 = 0;
            for (int k = 0; k < n3; k++)
            {
                v[k] += dt * f[k];
                dr2 += dt * v[k] * dt * v[k];
            }
            double scale = Math.Sqrt(dr2) > s.MaxStep ? s.MaxStep / Math.Sqrt(dr2) : 1;
            for (int k = 0; k < n3; k++) x[k] += scale * dt * v[k];

            _calculator.Calculate(structure, result);
            observer?.Invoke(step, result);
        }
    }
}
