using System.Text.Json;
using CatPot.IO;

namespace CatPot.Simulation;

/// <summary>What an MD run did: length, energy conservation, temperature, trust-region events and speed.</summary>
public sealed class MolecularDynamicsSummary
{
    /// <summary>Atoms in the system.</summary>
    public int AtomCount { get; init; }

    /// <summary>Time step in fs.</summary>
    public double TimeStep { get; init; }

    /// <summary>"none" or "langevin".</summary>
    public string Thermostat { get; init; } = "";

    /// <summary>Steps completed.</summary>
    public long Steps { get; init; }

    /// <summary>Simulated time in fs.</summary>
    public double SimulatedTime { get; init; }

    /// <summary>Whether the uncertainty guard stopped the run early.</summary>
    public bool StoppedByGuard { get; init; }

    /// <summary>Why the guard stopped or first flagged the run, or null.</summary>
    public string? GuardReason { get; init; }

    /// <summary>Why the run stopped early because the integration blew up (<see cref="SimulationDivergedException"/>), or null.</summary>
    public string? Divergence { get; init; }

    /// <summary>The integration blew up; the trajectory holds the frames up to the last finite step.</summary>
    public bool Diverged => Divergence is not null;

    /// <summary>Frames outside the trust region (every step is checked, not only written ones).</summary>
    public int FlaggedFrames { get; init; }

    /// <summary>Step of the first frame outside the trust region, or −1.</summary>
    public long FirstFlaggedStep { get; init; } = -1;

    /// <summary>Total (potential + kinetic) energy at step 0, eV.</summary>
    public double InitialTotalEnergy { get; init; }

    /// <summary>Total energy at the last step, eV.</summary>
    public double FinalTotalEnergy { get; init; }

    /// <summary>max |E_tot(t) − E_tot(0)| over the run, eV.</summary>
    public double MaxTotalEnergyDeviation { get; init; }

    /// <summary>Least-squares slope of E_tot against time, per atom: eV/atom/ps.</summary>
    public double DriftPerAtomPerPs { get; init; }

    /// <summary>Mean instantaneous temperature over steps 0..n, K.</summary>
    public double MeanTemperature { get; init; }

    /// <summary>Whether the run was cancelled (Ctrl+C) before its last step; the files hold the frames up to there.</summary>
    public bool Cancelled { get; init; }

    /// <summary>Frames written to the trajectory.</summary>
    public int TrajectoryFrames { get; init; }

    /// <summary>Wall-clock seconds of the stepping loop (output included).</summary>
    public double WallSeconds { get; init; }

    /// <summary>Distribution of the time of one MD step (force call, integrator and neighbour list; no output), or null with no steps.</summary>
    public StepTimes? StepSeconds { get; init; }

    /// <summary>Simulated picoseconds per day of wall-clock time.</summary>
    public double PicosecondsPerDay => WallSeconds > 0 ? SimulatedTime / 1000 / WallSeconds * 86400 : double.NaN;

    /// <summary>Writes the summary (plus <paramref name="extra"/> string fields such as the force source) as JSON.</summary>
    public void WriteJson(string path, IReadOnlyDictionary<string, string>? extra = null)
    {
        AtomicFile.Write(path, stream => WriteJson(stream, extra));
    }

    /// <summary>Writes the summary as JSON to <paramref name="stream"/>.</summary>
    public void WriteJson(Stream stream, IReadOnlyDictionary<string, string>? extra = null)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        if (extra is not null) foreach (var (k, v) in extra) w.WriteString(k, v);
        w.WriteNumber("atoms", AtomCount);
        w.WriteNumber("dt_fs", TimeStep);
        w.WriteString("thermostat", Thermostat);
        w.WriteNumber("steps", Steps);
        w.WriteNumber("time_fs", SimulatedTime);
        w.WriteBoolean("stopped_by_guard", StoppedByGuard);
        w.WriteBoolean("cancelled", Cancelled);
        w.WriteNumber("trajectory_frames", TrajectoryFrames);
        if (GuardReason is null) w.WriteNull("guard_reason"); else w.WriteString("guard_reason", GuardReason);
        w.WriteBoolean("diverged", Diverged);
        if (Divergence is null) w.WriteNull("divergence"); else w.WriteString("divergence", Divergence);
        w.WriteNumber("flagged_frames", FlaggedFrames);
        w.WriteNumber("first_flagged_step", FirstFlaggedStep);
        Number(w, "initial_total_energy_eV", InitialTotalEnergy);
        Number(w, "final_total_energy_eV", FinalTotalEnergy);
        Number(w, "max_total_energy_deviation_eV", MaxTotalEnergyDeviation);
        Number(w, "drift_eV_per_atom_per_ps", DriftPerAtomPerPs);
        Number(w, "mean_temperature_K", MeanTemperature);
        Number(w, "wall_s", WallSeconds);
        Number(w, "ps_per_day", PicosecondsPerDay);
        if (StepSeconds is { } st)
        {
            Number(w, "step_median_s", st.Median);
            Number(w, "step_p10_s", st.P10);
            Number(w, "step_p90_s", st.P90);
            Number(w, "step_mean_s", st.Mean);
        }
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double value) => NonFiniteJson.WriteNumber(w, name, value);
}
