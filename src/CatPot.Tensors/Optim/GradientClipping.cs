namespace CatPot.Tensors.Optim;

/// <summary>Gradient clipping by the global L2 norm over all parameters (PyTorch's <c>clip_grad_norm_</c>).</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients by maxNorm / (norm + 1e-6) when that is below 1, and returns the norm before clipping.
    /// The norm is accumulated in double, parameter by parameter and element by element, so it is deterministic.
    /// A non-finite norm is returned without touching the gradients (the caller should skip that step).
    /// </summary>
    public static double ClipGlobalNorm(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        var grads = new List<Tensor<float>>(parameters.Count);
        foreach (var p in parameters)
            if (p.Grad is not null) grads.Add(p.Grad);
        return ClipGlobalNorm(grads, maxNorm);
    }

    /// <summary>As <see cref="ClipGlobalNorm(IReadOnlyList{Parameter}, double)"/>, on gradient tensors directly.</summary>
    public static double ClipGlobalNorm(IReadOnlyList<Tensor<float>> gradients, double maxNorm)
    {
        double sumSquares = 0;
        foreach (var g in gradients)
            foreach (float x in g.Span)
                sumSquares += (double)x * x;
        double norm = Math.Sqrt(sumSquares);
        if (!double.IsFinite(norm)) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1)
        {
            float c = (float)coef;
            foreach (var g in gradients)
                System.Numerics.Tensors.TensorPrimitives.Multiply(g.Span, c, g.Span);
        }
        return norm;
    }
}
