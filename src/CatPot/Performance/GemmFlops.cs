using CatPot.Models;

namespace CatPot.Performance;

/// <summary>
/// Floating-point operations of the model's matrix products (2·m·n·k each), counted from the layer shapes;
/// element-wise work is left out, so this is the work a perfect GEMM would have to do.
/// </summary>
internal static class GemmFlops
{
    /// <summary>Forward GEMM FLOPs of the backbone, the energy head and the direct force head.</summary>
    public static double Forward(PotentialConfig c, double atoms, double edges, bool directForces)
    {
        double f = c.Features, n = atoms;
        double layer = (2 * n * f * f) + (2 * n * f * 3 * f) + (2 * edges * c.RadialBasis * 3 * f)
                     + (2 * 3 * n * f * 2 * f) + (2 * n * 2 * f * f) + (2 * n * f * 3 * f);
        double total = c.Layers * layer;
        if (c.TensorFeatures)
        {
            // RankTwoFeatures: context F → C → 2C, filter R → 2C per edge, mix of 9 rows per atom C → 2C, the vector
            // projections 3 rows F → C and C → F, gates F + 2C → F → F + 3C.
            double k = c.TensorChannels;
            double tensorLayer = (2 * n * f * k) + (2 * n * k * 2 * k) + (2 * edges * c.RadialBasis * 2 * k) + (2 * 9 * n * k * 2 * k)
                               + (2 * 3 * n * f * k) + (2 * 3 * n * k * f) + (2 * n * (f + 2 * k) * f) + (2 * n * f * (f + 3 * k));
            total += c.Layers * tensorLayer;
        }
        // The energy head's matrices, counted per atom (heads that average before their last layer do less).
        foreach (var p in c.Head.Parameters(c.Features))
            if (p.Shape.Length == 2) total += 2 * n * p.Shape[0] * p.Shape[1];
        if (directForces)
        {
            double h = f / 2;
            total += (2 * 3 * n * f * f) + (2 * n * (f + h) * h) + (2 * n * h * f)      // block 1
                   + (2 * 3 * n * h * 2) + (2 * n * (h + 1) * h) + (2 * n * h * 2);  // block 2
        }
        return total;
    }

    /// <summary>
    /// One training step: forward plus backward, where every product needs the gradients of both operands
    /// (twice the forward work) except the radial filter, whose input (the fixed radial basis) needs none.
    /// </summary>
    public static double TrainingStep(PotentialConfig c, double atoms, double edges)
    {
        double fwd = Forward(c, atoms, edges, directForces: true);
        double filter = c.Layers * 2 * edges * c.RadialBasis * (3 * c.Features + 2 * c.TensorChannels);
        return fwd + (2 * fwd) - filter;
    }

    /// <summary>
    /// Energy and conservative forces of one structure: the forward pass without the force head, then the gradient with
    /// respect to every product's activation operand (positions reach all of them, the radial filter included) but not
    /// the weights — twice the forward work.
    /// </summary>
    public static double ConservativeForces(PotentialConfig c, double atoms, double edges)
        => 2 * Forward(c, atoms, edges, directForces: false);
}
