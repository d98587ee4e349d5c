using CatPot.Chemistry;

namespace CatPot.ActiveLearning;

/// <summary>
/// A frame's position in a feature space for diversity: the vector of inverse inter-atomic distances 1/r_ij (i &lt; j, Å⁻¹)
/// in atom order. It is invariant to rotation and translation, emphasises short (bonded) distances, and needs no model;
/// frames of different species lists are never near each other (distance +∞).
/// </summary>
public sealed class FrameFeatures
{
    private FrameFeatures(int[] numbers, double[] values)
    {
        Numbers = numbers;
        Values = values;
    }

    /// <summary>Species the features belong to.</summary>
    public int[] Numbers { get; }

    /// <summary>1/r_ij for i &lt; j.</summary>
    public double[] Values { get; }

    /// <summary>The features of a structure's current positions.</summary>
    public static FrameFeatures Of(Structure structure)
    {
        int n = structure.AtomCount;
        var p = structure.Positions;
        var values = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double dx = p[3 * i] - p[3 * j], dy = p[(3 * i) + 1] - p[(3 * j) + 1], dz = p[(3 * i) + 2] - p[(3 * j) + 2];
                values[k++] = 1 / Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
            }
        }
        return new FrameFeatures((int[])structure.Numbers.Clone(), values);
    }

    /// <summary>Root-mean-square difference of the inverse distances (Å⁻¹); +∞ between different species lists.</summary>
    public double DistanceTo(FrameFeatures other)
    {
        if (!Numbers.AsSpan().SequenceEqual(other.Numbers)) return double.PositiveInfinity;
        if (Values.Length == 0) return 0;
        double sum = 0;
        for (int k = 0; k < Values.Length; k++)
        {
            double d = Values[k] - other.Values[k];
            sum += d * d;
        }
        return Math.Sqrt(sum / Values.Length);
    }
}
