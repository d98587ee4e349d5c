using CatPot.Chemistry;

namespace CatPot.ActiveLearning;

/// <summary>A frame sampled from an exploration trajectory: a candidate for labelling.</summary>
/// <param name="Id">Unique id, <c>r{round}-t{trajectory}-s{step}</c>; the key that prevents labelling a frame twice.</param>
/// <param name="Structure">The geometry (no labels).</param>
/// <param name="Round">Active-learning round whose model ran the trajectory.</param>
/// <param name="Trajectory">Trajectory index within the round.</param>
/// <param name="Step">MD step of the frame.</param>
/// <param name="Temperature">Thermostat temperature of the trajectory, K.</param>
/// <param name="Uncertainty">The uncertainty score at the frame.</param>
/// <param name="Flagged">Whether the frame was outside the trust region.</param>
public sealed record PoolFrame(string Id, Structure Structure, int Round, int Trajectory, long Step, double Temperature, double Uncertainty, bool Flagged)
{
    private FrameFeatures? _features;

    /// <summary>The frame's diversity features (computed once).</summary>
    public FrameFeatures Features => _features ??= FrameFeatures.Of(Structure);
}
