namespace CatPot.Simulation;

/// <summary>Which forces a calculator returns.</summary>
public enum ForceSource
{
    /// <summary>F = −∂E/∂R by automatic differentiation: energy-conserving, the default for dynamics.</summary>
    Conservative,

    /// <summary>The model's direct force head: cheaper, but not the gradient of any energy, so NVE drifts.</summary>
    Direct,
}
